// Entry of bench.html, the benchmark page (its own page, so the app's entry carries no benchmark code).
import { start } from './benchPage';

start();
