/** Errors the state module throws on purpose. Each message says what to do. */

/** A second call started while one is in flight: its history would miss the first call's turn. */
export class ConversationBusyError extends Error {
  override readonly name = 'ConversationBusyError';
  constructor(action = 'start another call') {
    super(`Cannot ${action}: this conversation has a call in flight. Wait for it to finish (or abort it) first; concurrent calls would each send a history without the other's turn.`);
  }
}

/** A history given to load()/fromHistory() that the manager could not have produced itself. */
export class InvalidHistoryError extends Error {
  override readonly name = 'InvalidHistoryError';
  constructor(
    readonly index: number,
    reason: string,
  ) {
    super(`Invalid history at turn ${index}: ${reason}. A history is whole turns: user, assistant, user, assistant, ... (an even number of messages, starting with the user).`);
  }
}

/** A context strategy returned something that cannot be sent. */
export class ContextStrategyError extends Error {
  override readonly name = 'ContextStrategyError';
  constructor(reason: string) {
    super(`The context strategy returned an invalid view: ${reason}. A strategy may drop or summarise old turns, but the last message it returns must be the user's current input, unchanged.`);
  }
}
