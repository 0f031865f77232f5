/** Exit codes shared by every command. Documented in README and docs/cli.md. */
export const EXIT = {
  /** Nothing wrong found / command succeeded. */
  OK: 0,
  /** The command worked and found problems (upstream failures, lint findings, root causes). */
  FOUND: 1,
  /** Usage error, unreadable input, or the tool could not do its job. */
  ERROR: 2,
} as const;

/** An error meant for the operator: printed as one clear line, never as a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.ERROR,
  ) {
    super(message);
    this.name = "UserError";
  }
}
