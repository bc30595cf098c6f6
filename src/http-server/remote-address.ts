/** Dual-stack sockets report IPv4 peers as '::ffff:10.0.0.7'; this gives the plain '10.0.0.7'. */
export function plainIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}
