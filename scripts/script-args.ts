/**
 * Takes `--name VALUE` out of a script's argument list and returns VALUE as a number (the fallback when absent); what
 * is left in `args` are the positional names (models, cases). Shared by the measuring scripts.
 * @example
 * const args = ['--runs', '50', 'dcgan']; takeNumberOption(args, 'runs', 200) // → 50, args → ['dcgan']
 */
export function takeNumberOption(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  args.splice(at, 2);
  return value;
}
