/**
 * The one statement that counts a new peer, the same in SQLite and
 * PostgreSQL: a window as old as its length starts afresh at `now`, else its
 * count goes up. Parameters: 1 is now, 2 the window's length (ms).
 */
export function newPeerWindowUpsert(dialect: 'sqlite' | 'postgres'): string {
  const [now, windowMs] = dialect === 'sqlite' ? ['?1', '?2'] : ['$1::bigint', '$2::bigint'];
  const expired = `new_peer_window.started_at <= ${now} - ${windowMs}`;
  return `INSERT INTO new_peer_window (id, started_at, admitted) VALUES (1, ${now}, 1)
    ON CONFLICT (id) DO UPDATE SET
      started_at = CASE WHEN ${expired} THEN excluded.started_at ELSE new_peer_window.started_at END,
      admitted   = CASE WHEN ${expired} THEN 1 ELSE new_peer_window.admitted + 1 END
    RETURNING started_at, admitted`;
}
