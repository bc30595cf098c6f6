/**
 * The receiver's limits on connections and requests. The two timeouts can
 * be changed through the environment (seconds), for slow links or tests:
 * PEER_BACKUP_RECEIVER_REQUEST_TIMEOUT and PEER_BACKUP_RECEIVER_IDLE_TIMEOUT.
 */
import { secondsFromEnv } from '../util/seconds-from-env';

export interface ReceiverLimits {
  /** Time allowed to receive a request's headers. */
  headersTimeoutMs: number;
  /** Time allowed for a whole request to arrive; the body of an accepted upload is exempt. */
  requestTimeoutMs: number;
  /** A connection (an accepted upload's body included) that sends nothing for this long is dropped. */
  idleTimeoutMs: number;
  maxConnections: number;
  /** Per IPv4 address, or per IPv6 /64. */
  maxConnectionsPerAddress: number;
  /** Hellos per minute per IPv4 address or IPv6 /64. */
  hellosPerMinute: number;
}

export const defaultReceiverLimits: ReceiverLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  maxConnections: 256,
  maxConnectionsPerAddress: 32,
  hellosPerMinute: 120,
};

export function receiverLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ReceiverLimits {
  return {
    ...defaultReceiverLimits,
    requestTimeoutMs: secondsFromEnv(env, 'PEER_BACKUP_RECEIVER_REQUEST_TIMEOUT', defaultReceiverLimits.requestTimeoutMs),
    idleTimeoutMs: secondsFromEnv(env, 'PEER_BACKUP_RECEIVER_IDLE_TIMEOUT', defaultReceiverLimits.idleTimeoutMs),
  };
}
