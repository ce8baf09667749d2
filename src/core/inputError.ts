/**
 * A fault in what the user gave (a file, a flag's data, a missing import), told in one line:
 * the command line prints its message alone, with no stack (src/cli/args.ts runMain), and exits 2.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
