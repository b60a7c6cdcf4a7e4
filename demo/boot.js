// Starts the yew app (a file, not an inline script: the page's CSP allows scripts from 'self').
import init from "./flodrama-demo.js";
init();
