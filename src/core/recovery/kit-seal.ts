/**
 * A recovery kit: the identity's private key and the storage secret,
 * sealed with AES-256-GCM under the kit's wrapping key (kit-keys.ts). The
 * associated data binds it to its lookup ID, so a kit filed under another
 * lookup ID fails the tag. The sealed form is what travels to teammates; its
 * version says how the master key was derived from the code.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import * as z from '../schema';
import { storageSecretBytes } from '../chunk/chunk-keys';
import { UserError } from '../errors';
import { kitHkdf, kitScrypt, wrappingKey, type KitKeys, type KitVersion } from './kit-keys';

const sealedFields = {
  /** Base64 of the 16 random bytes the wrapping key is derived with. */
  wrapSalt: z.string().check(z.maxLength(64)),
  nonce: z.string().check(z.maxLength(64)),
  /** Base64 of the ciphertext followed by the 16-byte tag. */
  sealed: z.string().check(z.maxLength(8192)),
};

export const sealedKitSchema = z.discriminatedUnion('version', [
  z.object({
    version: z.literal(1),
    kdf: z.object({ name: z.literal('scrypt'), N: z.int(), r: z.int(), p: z.int(), salt: z.string().check(z.maxLength(128)) }),
    ...sealedFields,
  }),
  z.object({ version: z.literal(2), kdf: z.object({ name: z.literal('hkdf-sha256'), salt: z.string().check(z.maxLength(128)) }), ...sealedFields }),
]);
export type SealedKit = z.infer<typeof sealedKitSchema>;

export interface KitContents {
  privateKeyPem: string;
  storageSecret: Buffer;
}

const contentsSchema = z.object({ privateKeyPem: z.string().check(z.maxLength(4096)), storageSecret: z.string().check(z.maxLength(128)) });
const tagBytes = 16;

export function sealKit(keys: KitKeys, contents: KitContents): SealedKit {
  const wrapSalt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey(keys.master, wrapSalt), nonce, { authTagLength: tagBytes });
  cipher.setAAD(associatedData(keys.lookupId));
  const plaintext = Buffer.from(JSON.stringify({ privateKeyPem: contents.privateKeyPem, storageSecret: contents.storageSecret.toString('base64') }));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { ...kdfOf(keys.version), wrapSalt: wrapSalt.toString('base64'), nonce: nonce.toString('base64'), sealed: sealed.toString('base64') };
}

/** The kit's contents; 'damaged' when it was not sealed under this code or was altered. */
export function openKit(keys: KitKeys, kit: SealedKit, holder: string): KitContents {
  const damaged = (why: string) => new UserError(`The recovery kit ${holder} keeps cannot be opened with this code (${why}): it was altered or damaged. Ask your teammate to check their receiver.`, { code: 'damaged' });
  if (!isDeepStrictEqual({ version: kit.version, kdf: kit.kdf }, kdfOf(keys.version))) throw damaged('made with other key-derivation parameters');
  const sealed = Buffer.from(kit.sealed, 'base64');
  const nonce = Buffer.from(kit.nonce, 'base64');
  if (sealed.length < tagBytes || nonce.length !== 12) throw damaged('too short');
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey(keys.master, Buffer.from(kit.wrapSalt, 'base64')), nonce, { authTagLength: tagBytes });
    decipher.setAAD(associatedData(keys.lookupId));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagBytes)), decipher.final()]);
  } catch {
    throw damaged('its tag does not match');
  }
  const parsed = contentsSchema.safeParse(JSON.parse(plaintext.toString('utf8')));
  const storageSecret = parsed.success ? Buffer.from(parsed.data.storageSecret, 'base64') : Buffer.alloc(0);
  if (!parsed.success || storageSecret.length !== storageSecretBytes) throw damaged('its contents are not a key and a storage secret');
  return { privateKeyPem: parsed.data.privateKeyPem, storageSecret };
}

/** The fields of a kit that say how its master key was derived. */
type Derivation<Kit> = Kit extends SealedKit ? Pick<Kit, 'version' | 'kdf'> : never;

/** The version and key-derivation fields of a kit of `version`, exactly as a kit states them. */
function kdfOf(version: KitVersion): Derivation<SealedKit> {
  return version === 1
    ? { version, kdf: { name: 'scrypt', N: kitScrypt.N, r: kitScrypt.r, p: kitScrypt.p, salt: kitScrypt.salt } }
    : { version, kdf: { name: 'hkdf-sha256', salt: kitHkdf.salt } };
}

function associatedData(lookupId: string): Buffer {
  return Buffer.from(`peer-backup recovery-kit v1 ${lookupId}`);
}
