/** A second connection to a database file, for tests that read or change rows directly, as another process would. */
import { Database } from '../../src/core/store/database';

export async function withRawDatabase<T>(file: string, body: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(file);
  try {
    return await body(db);
  } finally {
    await db.close();
  }
}
