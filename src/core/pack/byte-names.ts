/**
 * File names are bytes: Linux allows any bytes but '/' and NUL, and not every
 * name is valid UTF-8. Where a name must travel as a JS string inside the
 * packer and the extractor, it is a "byte string": one character per byte
 * (latin1), so it converts back to the same bytes and '/' splits it as it
 * splits the bytes. Names meant for people are decoded as UTF-8 instead.
 */
import { isUtf8 } from 'node:buffer';

export { isUtf8 };

export function toByteString(bytes: Buffer): string {
  return bytes.toString('latin1');
}

export function fromByteString(byteString: string): Buffer {
  return Buffer.from(byteString, 'latin1');
}

/** The name for people and messages: UTF-8, with any invalid byte shown as U+FFFD. */
export function displayName(bytes: Buffer): string {
  return bytes.toString('utf8');
}

/** A byte string shown to people. */
export function displayByteString(byteString: string): string {
  return displayName(fromByteString(byteString));
}
