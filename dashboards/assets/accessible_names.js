// Each filter control is announced by its filter's name and its value ("Grain: Quarter"), not by its
// value alone: Dash's dropdown names its button after the value shown, so the name is set here, again
// whenever the page changes (a new value, a new page). The dropdown's Tab stop is a hidden input that
// hands focus on to the button; hidden from screen readers yet focusable, it would be a stop with no
// name, so it is shown to them under the same name.
(function () {
    function nameFilters() {
        document.querySelectorAll("label.filter").forEach(function (label) {
            var name = label.querySelector(".filter-label");
            var button = label.querySelector("button.dash-dropdown");
            if (!name || !button) {
                return;
            }
            var shown = button.querySelector(".dash-dropdown-value");
            var value = shown && shown.innerText.trim() ? shown.innerText.trim() : "none chosen";
            var wanted = name.innerText.trim() + ": " + value;
            if (button.getAttribute("aria-label") !== wanted) {
                button.setAttribute("aria-label", wanted);
            }
            if (button.hasAttribute("aria-labelledby")) {
                button.removeAttribute("aria-labelledby");
            }
            var stop = label.querySelector("input.dash-dropdown-focus-target");
            if (stop && (stop.hasAttribute("aria-hidden") || stop.getAttribute("aria-label") !== wanted)) {
                stop.removeAttribute("aria-hidden");
                stop.setAttribute("aria-label", wanted);
            }
        });
    }
    new MutationObserver(nameFilters).observe(document.documentElement, {subtree: true, childList: true,
                                                                         characterData: true});
})();
