/**
 * A script's command-line flags (`--name value`, `--name`): a flag it does not know ends it with its
 * usage line and exit status 2.
 */
export function scriptFlags(known, usage) {
  const argv = process.argv.slice(2);
  for (const a of argv) {
    if (a.startsWith('--') && !known.includes(a.slice(2))) {
      process.stderr.write(`unknown flag ${a}\nusage: ${usage}\n`);
      process.exit(2);
    }
  }
  const option = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? fallback : argv[i + 1];
  };
  return {
    has: (name) => argv.includes(`--${name}`),
    option,
    /** a count (runs, rounds): a whole number, at least 1, or the script ends with status 2 */
    count: (name, fallback) => {
      const n = Number(option(name, String(fallback)));
      if (!Number.isInteger(n) || n < 1) {
        process.stderr.write(`--${name} must be a whole number, at least 1\n`);
        process.exit(2);
      }
      return n;
    },
  };
}
