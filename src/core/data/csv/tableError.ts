/** What an imported table cannot be used for, in one line a person can act on. */
export class TableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableError';
  }
}
