// Grid cell formats, the same as figures/formatting.py: counts 2,751; ratios 73.2%; index 0.98.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.agoraFormat = function (params) {
    if (params.data && params.data.suppressed && params.colDef.field === "value") {
        return "suppressed";
    }
    var v = params.value;
    if (v === null || v === undefined) {
        return "–";
    }
    var unit = params.data ? params.data.unit : "";
    if (unit === "count") {
        return Math.round(v).toLocaleString("en-US");
    }
    if (unit === "ratio") {
        return (v * 100).toFixed(1) + "%";
    }
    if (unit === "index") {
        return v.toFixed(2);
    }
    return v.toLocaleString("en-US", {minimumFractionDigits: 1, maximumFractionDigits: 1});
};
