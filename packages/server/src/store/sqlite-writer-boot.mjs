// Entry of the SQLite writer thread: the thread runs TypeScript like the rest of the server, so
// tsx is registered in it before the thread's body is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-writer-thread.ts');
