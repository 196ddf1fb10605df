#!/usr/bin/env node
// The CLI is compiled TypeScript; `npm install` builds it (the `prepare` script). Importing it runs nothing: this
// parses the command line.
import('../dist/src/cli/index.js').then(
  ({ main }) => main(process.argv),
  (err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli')) {
      console.error('squall: not built yet. Run `npm install` (or `npm run build`) in the squall package first.');
      process.exit(1);
    }
    throw err;
  },
);
