// The work-email warning is about one address: once the address in the form is a
// different one, the warning and the "anyway" button no longer apply. (Without
// JavaScript the server warns again about any other work address.)
(function () {
  "use strict";
  var warning = document.getElementById("employer-warning");
  var email = document.getElementById("email");
  var button = document.getElementById("sign-button");
  if (!warning || !email || !button) {
    return;
  }
  var warned = warning.getAttribute("data-address");
  function update() {
    var same = email.value.trim().toLowerCase() === warned.toLowerCase();
    warning.hidden = !same;
    button.textContent = button.getAttribute(same ? "data-anyway" : "data-normal");
  }
  email.addEventListener("input", update);
})();
