// Reads a chosen CSV file into the form's text field, so the upload posts as an ordinary form with its CSRF token.
(function () {
  'use strict';
  document.querySelectorAll('input[type="file"][data-fills]').forEach(function (input) {
    var target = document.getElementById(input.dataset.fills);
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file || !target) return;
      file.text().then(function (text) {
        target.value = text;
      });
    });
  });
})();
