import './style.css';
import { App } from './app';

const root = document.getElementById('app');
if (root) {
  const app = new App(root, {
    fetch: (input, init) => window.fetch(input, init),
    navigate: (url) => window.location.assign(url),
    location: window.location,
  });
  void app.start();
}
