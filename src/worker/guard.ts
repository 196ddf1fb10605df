/**
 * First import of every topology bundle. When the bundle is the process's main script (Storm started it as a
 * component), take over stdin/stdout before any user module runs, so nothing user code prints at load time can
 * corrupt the protocol stream. When the bundle is merely imported (the CLI reading the topology), do nothing.
 */
import { sharedConnection } from '../component/connection.js';
import { isMainModule } from './main-module.js';

if (isMainModule(import.meta.url)) sharedConnection();
