/**
 * Thrown by every exercise starter. The message names the exercise and the
 * command that shows its first hint, so a failing suite tells the learner
 * exactly where to go next.
 */
export class NotImplemented extends Error {
  override readonly name = 'NotImplemented';
  constructor(readonly exercise: string) {
    super(`Not implemented yet: exercise "${exercise}". Read its hint with: npm start -- hint ${exercise}`);
  }
}

/** Starters call this from every body the learner must write. */
export function todo(exercise: string): never {
  throw new NotImplemented(exercise);
}
