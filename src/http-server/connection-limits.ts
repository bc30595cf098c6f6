/**
 * Caps on open connections, overall and per address group (addressGroup),
 * so one host cannot take every socket the server has. Connections over a
 * cap are closed as they arrive, before a byte is read.
 */
import type { Server } from 'node:http';
import { addressGroup } from './address-group';

export function limitConnections(server: Server, limits: { total: number; perAddress: number }): void {
  server.maxConnections = limits.total;
  const open = new Map<string, number>();
  server.on('connection', (socket: import('node:net').Socket) => {
    const group = addressGroup(socket.remoteAddress ?? '');
    const count = (open.get(group) ?? 0) + 1;
    if (count > limits.perAddress) {
      socket.destroy();
      return;
    }
    open.set(group, count);
    socket.once('close', () => {
      const left = (open.get(group) ?? 1) - 1;
      if (left > 0) open.set(group, left);
      else open.delete(group);
    });
  });
}
