/** Release ids as people type them. Pure, with no imports: the Slack front's thread parses commands with it. */

/** Accepts `REL-12`, `rel-12`, `#12` or `12`. */
export function parseReleaseId(text: string): number | null {
  const m = /^\s*(?:rel-|#)?(\d{1,9})\s*$/i.exec(text);
  return m ? Number(m[1]) : null;
}
