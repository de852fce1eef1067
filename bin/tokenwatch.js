#!/usr/bin/env node
// The package's command. `npm install` and `npm start` build dist/ from src/.
import '../dist/main.js';
