/** Limits a registry has unless told otherwise (the CLI's flags), apart from the server so front ends read them without loading it. */
export const registryDefaults = {
  maxNewPeersPerMinute: 600,
  maxPeers: 100_000,
  /** Peers check their entry this often: a registry restarted empty has them all back within it. */
  checkAfterSeconds: 30,
  /** "Can you reach me" checks a minute from one address group (IPv6: one /64), per registry instance. */
  reachabilityChecksPerMinute: 6,
  /** How long a connection back to a receiver may take, handshake included. */
  connectBackTimeoutMs: 5_000,
};
