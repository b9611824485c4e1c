/**
 * Text an app supplied (button labels, URLs, payload excerpts, error messages that quote
 * them) is hostile: it may carry terminal escape sequences that clear the screen, set the
 * window title, ring the bell or recolour what follows, and bidirectional overrides that
 * make a line read differently from what it says. `inert` removes all of them and keeps the
 * printable text, line feeds and tabs.
 */
// ESC-introduced sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC (… until BEL or ESC \), two-byte ESC x.
const escapeSequence =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][\s\S]*?(?:\u0007|\u001b\\|$)|\u001b[ -/]*[0-~]?|\u009b[0-?]*[ -/]*[@-~]|[\u0090\u0098\u009d\u009e\u009f][\s\S]*?(?:\u0007|\u009c|\u001b\\|$)/g;
// Remaining C0 controls except tab and line feed, DEL, C1 controls, bidirectional controls.
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function inert(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(escapeSequence, '').replace(controlCharacter, '');
}
