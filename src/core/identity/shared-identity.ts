/**
 * An identity kept in a secret store that several processes share (the
 * editor's SecretStorage, read by every window). The store has no
 * "create if absent", so two windows opening at once could each make a key
 * and the later one would silently replace the peer ID the first one already
 * showed. Creating therefore happens under a lease in the shared database:
 * one process makes the key, the others wait and then read it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors';
import type { Store } from '../store';
import { generateIdentity, identityFromPem, type Identity } from './keys';

export interface SecretSlot {
  /** Where the key is kept, named in error messages. */
  readonly description: string;
  get(): Promise<string | undefined>;
  set(privateKeyPem: string): Promise<void>;
}

const creationLease = 'identity-creation';
const creationLeaseTtlMs = 10_000;
const waitStepMs = 100;

export async function loadOrCreateSharedIdentity(slot: SecretSlot, store: Store): Promise<Identity> {
  const existing = await slot.get();
  if (existing !== undefined) return fromPem(slot, existing);

  const holder = randomUUID();
  while (!(await store.leases.acquire(creationLease, holder, creationLeaseTtlMs))) await sleep(waitStepMs);
  try {
    const madeMeanwhile = await slot.get();
    if (madeMeanwhile !== undefined) return fromPem(slot, madeMeanwhile);
    const identity = generateIdentity();
    await slot.set(identity.privateKeyPem);
    return identity;
  } finally {
    await store.leases.release(creationLease, holder);
  }
}

function fromPem(slot: SecretSlot, pem: string): Identity {
  try {
    return identityFromPem(pem);
  } catch (err) {
    throw new UserError(
      `The private key in ${slot.description} is not a usable Ed25519 key (${(err as Error).message}): restore it, or delete it to make a new identity (your peer ID will change and teammates must allow the new one).`,
      { cause: err },
    );
  }
}
