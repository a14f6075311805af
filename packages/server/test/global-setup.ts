// Server processes that tests spawn run the built `carechat` command, as operators do: it is built
// once per run, before any test starts, so it is never older than the sources under test.
import { buildServer } from '../build.mjs';

export async function setup(): Promise<void> {
  await buildServer();
}
