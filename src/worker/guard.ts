/**
 * First import of every topology bundle. In a component process (Storm started the bundle's launcher), take over
 * stdin/stdout before any user module runs, so nothing user code prints at load time can corrupt the protocol
 * stream. Either way, from here on the bundle decides which component a process serves: a `runComponent(C)` left
 * at the end of a component's module (how a one-class script serves itself) must not serve too.
 */
import { sharedConnection } from '../component/connection.js';
import { componentsServedByTopology } from '../component/serve.js';
import { isComponentProcess } from './component-process.js';

componentsServedByTopology();
if (isComponentProcess()) sharedConnection();
