/** What an imported table cannot be used for, in one line a person can act on. */
import { InputError } from '../../inputError';

export class TableError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'TableError';
  }
}
