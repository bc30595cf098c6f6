/**
 * Text another machine chose (a receipt's plan name, a snapshot id, an error
 * message from a teammate or a registry), made safe to show: control
 * characters could move the cursor or clear a terminal, and bidirectional
 * overrides could make a name read as something else, so each is written
 * out as an escape instead (\x1b, \u{202e}).
 */

// C0 controls, DEL, C1 controls, and the marks, embeddings, overrides and isolates that reorder text.
// eslint-disable-next-line no-control-regex
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(unsafeCharacters, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
