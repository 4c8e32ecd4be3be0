/**
 * Thrown when even the smallest request that keeps every invariant does not
 * fit: the system prompt, the whole current turn, the reply priming and the
 * reserved output together need more tokens than the budget. Trimming never
 * cuts into the current input or the system prompt to make room: it says so.
 */
export class ContextOverflowError extends Error {
  override readonly name = 'ContextOverflowError';
  /** Tokens the smallest valid request needs, reserved output included. */
  readonly needed: number;
  /** Tokens the budget allows. */
  readonly available: number;
  readonly systemTokens: number;
  readonly currentTurnTokens: number;
  readonly reserveOutput: number;

  constructor(parts: { systemTokens: number; currentTurnTokens: number; primingTokens: number; reserveOutput: number; available: number }) {
    const needed = parts.systemTokens + parts.currentTurnTokens + parts.primingTokens + parts.reserveOutput;
    super(
      `Context overflow: system prompt (${parts.systemTokens}) + current turn (${parts.currentTurnTokens}) + ` +
        `reply priming (${parts.primingTokens}) + reserved output (${parts.reserveOutput}) = ${needed} tokens, ` +
        `but only ${parts.available} are available. Shorten the input or the system prompt, or reserve less output.`,
    );
    this.needed = needed;
    this.available = parts.available;
    this.systemTokens = parts.systemTokens;
    this.currentTurnTokens = parts.currentTurnTokens;
    this.reserveOutput = parts.reserveOutput;
  }
}
