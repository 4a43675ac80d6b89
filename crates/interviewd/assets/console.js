'use strict';
// The recruiter console's small script (filled in with the pages).
