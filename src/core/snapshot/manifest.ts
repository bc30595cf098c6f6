/**
 * A snapshot's manifest, signed by the sender's identity key, so that a
 * restore (on this machine or a new one) can tell the sender's own snapshot
 * from one a receiver made up or altered.
 */
import { verifySignature, type Identity } from '../identity/keys';
import { peerIdOf } from '../identity/peer-id';
import { manifestSchema, type Manifest } from '../wire/chunk-protocol';
import { signStatement, type SignedStatement } from '../wire/signing';

export function signManifest(sender: Identity, manifest: Manifest): SignedStatement {
  return signStatement(sender, manifest);
}

/** The manifest, if `senderKey` signed it and it names that key's peer as its sender; else undefined. */
export function openManifest(signed: SignedStatement, senderKey: Buffer): Manifest | undefined {
  const bytes = Buffer.from(signed.statement, 'base64');
  if (!verifySignature(senderKey, bytes, Buffer.from(signed.signature, 'base64'))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = manifestSchema.safeParse(value);
  return parsed.success && parsed.data.sender === peerIdOf(senderKey) ? parsed.data : undefined;
}
