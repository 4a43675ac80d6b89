'use strict';
// interviewd's browser-test harness, in one import: `const h = require('../lib')`.
// See e2e/README.md for how the pieces fit and the environment a test reads.

module.exports = {
  ...require('./browser'),
  ...require('./axe'),
  ...require('./screenshot'),
  ...require('./keyboard'),
  ...require('./sidecars'),
};
