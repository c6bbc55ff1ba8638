/** "+14155550123" → "+1••••••••23": what the simulator's logs and lists may show of a number. */
export function maskPhone(e164: string): string {
  if (e164.length <= 5) return '•'.repeat(e164.length);
  return `${e164.slice(0, 2)}${'•'.repeat(e164.length - 4)}${e164.slice(-2)}`;
}
