/** Builds the server into `outdir` (default: packages/server/dist); resolves with that folder. */
export function buildServer(outdir?: string): Promise<string>;
