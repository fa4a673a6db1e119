// Log in with a web user's name and password (a session cookie; the password is only
// posted, never kept).
import {h, replace} from '../util.js';
import {login} from '../api.js';

export async function render(main) {
  const error = h('p', {class: 'error', role: 'alert', id: 'login-error'});
  const form = h('form', {class: 'login', id: 'login-form'},
    h('div', {class: 'field'}, h('label', {for: 'username'}, 'User'),
      h('input', {id: 'username', name: 'username', autocomplete: 'username', required: true})),
    h('div', {class: 'field'}, h('label', {for: 'password'}, 'Password'),
      h('input', {id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true})),
    h('button', {type: 'submit', class: 'primary'}, 'Log in'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await login(form.username.value, form.password.value);
      location.hash = sessionStorage.getItem('eventbot-return') || '#/';
    } catch (e) {
      error.textContent = e.status === 429 ? 'Too many failed logins: wait a minute.'
        : 'Wrong user name or password.';
    }
  });
  replace(main, h('h1', {}, 'Log in'), form);
  form.username.focus();
}
