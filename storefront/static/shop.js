/* The HTML5 face's only script: 郵便番号 → 住所 without leaving the form.
 *
 * Progressive enhancement: without it the 「住所検索」 button posts the form and the
 * shop fills the address in (storefront/address.py). With it the button stops posting,
 * and typing a 7-digit code (or pressing the button) asks GET /postcode/<code> and
 * fills 都道府県, 市区町村 and 町域, then puts the cursor after the 町域 for the 番地.
 */
(function () {
  "use strict";

  function digits(text) {
    return text
      .replace(/[０-９]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xfee0); })
      .replace(/[^0-9]/g, "");
  }

  function setUp(group) {
    var form = group.closest("form");
    var zip = form.elements.zip_code;
    var button = group.querySelector("[name=zip_lookup]");
    var status = group.querySelector(".zip-status");
    var asked = "";

    function say(text, isError) {
      status.textContent = text;
      status.className = isError ? "zip-status err" : "zip-status";
    }

    function fill(place) {
      var street = form.elements.street;
      form.elements.pref.value = place.prefecture;
      form.elements.city.value = place.city;
      if (place.town && street.value.indexOf(place.town) !== 0) {
        street.value = place.town;
      }
      say("住所を入力しました。続けて番地を入力してください。", false);
      street.focus();
      street.setSelectionRange(street.value.length, street.value.length);
    }

    function lookUp(pressed) {
      var code = digits(zip.value);
      if (code.length !== 7) {
        if (pressed) { say("郵便番号は7桁の数字で入力してください。", true); }
        return;
      }
      if (!pressed && code === asked) { return; }
      asked = code;
      fetch(group.dataset.postcode.replace("0000000", code), { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (answer.ok) { fill(answer.body.place); } else { say(answer.body.error, true); }
        })
        .catch(function () { say("住所を取得できませんでした。住所を入力してください。", true); });
    }

    button.type = "button";
    button.addEventListener("click", function () { lookUp(true); });
    zip.addEventListener("input", function () { lookUp(false); });
  }

  document.querySelectorAll("[data-postcode]").forEach(setUp);
})();
