import type { Metafile } from 'esbuild';

/** The most the SDK may add to a web page, minified and gzipped (issue 16). */
export const BROWSER_BUDGET_BYTES = 30 * 1024;

/** The files that went into a bundle (the metafile's inputs also list files read, then shaken out). */
export function bundledInputs(metafile: Metafile): string[] {
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}
