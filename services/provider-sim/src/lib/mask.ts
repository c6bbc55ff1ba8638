/**
 * Shortens a phone number for the simulator's own logs: enough to correlate lines ("+15…67"), not enough to
 * identify anyone. The inbox page shows full numbers on purpose; logs are shipped and kept, so they must not.
 */
export function maskPhone(value: string | null | undefined): string {
  if (!value) return '-';
  if (value.length <= 5) return '…';
  return `${value.slice(0, 3)}…${value.slice(-2)}`;
}

/** maskPhone for numbers; e-mail addresses keep their first character and domain ("p…@example.com"). */
export function maskAddress(value: string | null | undefined): string {
  if (value?.includes('@')) {
    const at = value.lastIndexOf('@');
    return `${value.slice(0, 1)}…${value.slice(at)}`;
  }
  return maskPhone(value);
}
