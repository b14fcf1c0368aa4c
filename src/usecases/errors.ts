/** Errors a use case raises for the edge to turn into an ephemeral message, modal error or problem+json. */
export type AppErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'forbidden'
  | 'conflict'
  | 'slack_failed';

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} was not found.`);
  }
}

export class ValidationError extends AppError {
  constructor(fieldErrors: Record<string, string>) {
    super('invalid_input', Object.values(fieldErrors).join(' '), fieldErrors);
  }
}
