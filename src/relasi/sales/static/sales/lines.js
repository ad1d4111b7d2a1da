// The document line editor (quotations, sales orders, invoices) and small helpers of the
// document pages. Everything works without it: the server renders blank rows, an
// "Add line" button that posts back, and a "Remove" checkbox per row.
//
// Markup contract (templates/sales/_lines_editor.html):
//   [data-lines-editor]            the fieldset; optional data-product-search-url (JSON search)
//   [data-lines-count]             hidden input "lines-count" (rows rendered, incl. removed gaps)
//   [data-lines-body] > [data-line-row]   one row; inputs named lines-<i>-<field>
//   [data-product-select]          the row's product <select>; options carry data-name,
//                                  data-unit, data-price (Indonesian format), data-tax
//   [data-field=...]               description, quantity, unit, unit_price, discount_percent, tax_treatment
//   [data-line-remove]             the row's remove checkbox; [data-line-add] the add button
// Elsewhere: input[data-contact-picker] + datalist[data-contact-options-url] (customer search),
//   button[data-copy="<selector>"] (copy an input's value), form[data-confirm] (web/relasi.js).
"use strict";

(function () {
  function debounce(fn, ms) {
    let timer = null;
    return function (...args) {
      clearTimeout(timer);
      timer = setTimeout(() => fn.apply(this, args), ms);
    };
  }

  // "1000000.00" (API) -> "1.000.000"; "1250000.5" -> "1.250.000,50" (how the form reads money).
  function moneyText(value) {
    const text = String(value == null ? "" : value).trim();
    if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
    const [whole, fraction = ""] = text.split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    const sen = fraction.replace(/0+$/, "");
    return sen ? grouped + "," + (sen + "0").slice(0, 2) : grouped;
  }

  function fillFromOption(row, option, force) {
    if (!option || !option.value) return;
    const set = (field, value) => {
      const input = row.querySelector(`[data-field="${field}"]`);
      if (!input || value == null || value === "") return;
      if (force || !input.value || input.dataset.autofilled === "1") {
        input.value = value;
        input.dataset.autofilled = "1";
      }
    };
    set("description", option.dataset.name);
    set("unit", option.dataset.unit);
    set("unit_price", option.dataset.price);
    set("tax_treatment", option.dataset.tax);
    const qty = row.querySelector('[data-field="quantity"]');
    if (qty && !qty.value) qty.value = "1";
  }

  function renumber(row, index) {
    row.querySelectorAll("[name], [id], label[for]").forEach((el) => {
      for (const attr of ["name", "id", "for"]) {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/^lines-\d+-/, `lines-${index}-`));
      }
    });
  }

  function clearRow(row) {
    row.classList.remove("has-error");
    row.querySelectorAll(".error").forEach((el) => el.remove());
    row.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    row.querySelectorAll("input, select").forEach((el) => {
      delete el.dataset.autofilled;
      if (el.type === "checkbox") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = el.dataset.field === "tax_treatment" ? 0 : 0;
      else el.value = "";
    });
    row.querySelectorAll(".product-search").forEach((el) => (el.value = ""));
  }

  function addProductSearch(editor, row) {
    const url = editor.dataset.productSearchUrl;
    const select = row.querySelector("[data-product-select]");
    if (!url || !select || row.querySelector(".product-search")) return;
    const search = document.createElement("input");
    search.type = "search";
    search.className = "product-search";
    search.placeholder = editor.dataset.searchPlaceholder || "";
    search.setAttribute("aria-label", editor.dataset.searchLabel || "Search product");
    select.parentNode.insertBefore(search, select);
    search.addEventListener(
      "input",
      debounce(async () => {
        const q = search.value.trim();
        if (q.length < 2) return;
        try {
          const response = await fetch(`${url}?q=${encodeURIComponent(q)}`, {
            headers: { Accept: "application/json" },
            credentials: "same-origin",
          });
          if (!response.ok) return;
          const body = await response.json();
          const items = Array.isArray(body) ? body : body.items || body.results || [];
          for (const item of items) {
            let option = select.querySelector(`option[value="${item.id}"]`);
            if (!option) {
              option = document.createElement("option");
              option.value = item.id;
              option.textContent = `${item.sku} · ${item.name}`;
              select.appendChild(option);
            }
            option.dataset.name = item.name;
            option.dataset.unit = item.unit;
            option.dataset.price = moneyText(item.price);
            option.dataset.tax = item.tax_treatment;
          }
          if (items.length === 1) {
            select.value = String(items[0].id);
            fillFromOption(row, select.selectedOptions[0], true);
          } else if (items.length > 1) {
            select.focus();
          }
        } catch (error) {
          /* the select still works */
        }
      }, 250),
    );
  }

  function enhanceRow(editor, row) {
    const select = row.querySelector("[data-product-select]");
    if (select) select.addEventListener("change", () => fillFromOption(row, select.selectedOptions[0], true));
    row.querySelectorAll("[data-field]").forEach((input) => {
      input.addEventListener("input", () => delete input.dataset.autofilled);
    });
    const remove = row.querySelector("[data-line-remove]");
    if (remove && !row.querySelector(".line-remove-button")) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "line-remove-button";
      button.textContent = "×";
      button.setAttribute("aria-label", remove.parentNode.textContent.trim());
      button.addEventListener("click", () => {
        const body = editor.querySelector("[data-lines-body]");
        if (body.querySelectorAll("[data-line-row]").length > 1) row.remove();
        else clearRow(row);
      });
      remove.parentNode.after(button);
    }
    addProductSearch(editor, row);
  }

  function enhanceEditor(editor) {
    editor.classList.add("js-lines");
    const body = editor.querySelector("[data-lines-body]");
    const count = editor.querySelector("[data-lines-count]");
    body.querySelectorAll("[data-line-row]").forEach((row) => enhanceRow(editor, row));
    const add = editor.querySelector("[data-line-add]");
    if (add) {
      add.addEventListener("click", (event) => {
        event.preventDefault();
        const rows = body.querySelectorAll("[data-line-row]");
        const template = rows[rows.length - 1];
        if (!template) return;
        const index = parseInt(count.value, 10) || rows.length;
        const row = template.cloneNode(true);
        row.querySelectorAll(".line-remove-button, .product-search").forEach((el) => el.remove());
        renumber(row, index);
        clearRow(row);
        body.appendChild(row);
        count.value = String(index + 1);
        enhanceRow(editor, row);
        const first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select");
        if (first) first.focus();
      });
    }
  }

  function enhanceContactPicker(input) {
    const list = document.getElementById(input.getAttribute("list"));
    const url = list && list.dataset.contactOptionsUrl;
    if (!url) return;
    input.addEventListener(
      "input",
      debounce(async () => {
        const q = input.value.trim();
        if (q.length < 2 || /\(#\d+\)$/.test(q)) return;
        try {
          const response = await fetch(`${url}?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
          if (!response.ok) return;
          const body = await response.json();
          list.replaceChildren(
            ...body.items.map((item) => {
              const option = document.createElement("option");
              option.value = item.label;
              return option;
            }),
          );
        } catch (error) {
          /* the recent customers stay offered */
        }
      }, 250),
    );
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-lines-editor]").forEach(enhanceEditor);
    document.querySelectorAll("input[data-contact-picker]").forEach(enhanceContactPicker);
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      button.addEventListener("click", async () => {
        const target = document.querySelector(button.dataset.copy);
        if (!target) return;
        target.select();
        try {
          await navigator.clipboard.writeText(target.value);
        } catch (error) {
          document.execCommand("copy");
        }
        if (button.dataset.copied) button.textContent = button.dataset.copied;
      });
    });
  });
})();
