/** Whether `host` is `entry` or one of its subdomains; `*.example.test` matches subdomains only. */
export function hostMatches(host: string, entry: string): boolean {
  const h = host.toLowerCase();
  const e = entry.toLowerCase();
  if (e.startsWith('*.')) return h.endsWith(e.slice(1));
  return h === e || h.endsWith(`.${e}`);
}
