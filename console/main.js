// The console's entry: loads the module; its `start` mounts the app.
import init from './glue.js';

init({ module_or_path: new URL('./console_bg.wasm', import.meta.url) });
