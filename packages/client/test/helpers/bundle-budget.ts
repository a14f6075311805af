/** The most the SDK may add to a web page, minified and gzipped (issue 16). */
export const BROWSER_BUDGET_BYTES = 30 * 1024;
