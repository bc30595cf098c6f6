/**
 * An error whose message is written for the person using Peer Backup: it names
 * the file, peer or setting at fault and says what to do. Front ends show the
 * message as it is; any other error is a bug and is shown with its stack.
 */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}
