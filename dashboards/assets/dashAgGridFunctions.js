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

// n, what a value rests on (the denominator, or the count); flagged under the small-n setting.
dagfuncs.agoraN = function (params, smallN) {
    var n = params.value;
    if (n === null || n === undefined) {
        return "–";
    }
    return n.toLocaleString("en-US") + (n < smallN ? " (small)" : "");
};

// Per cent achieved, a fraction in the table: 0.8 reads 80%.
dagfuncs.agoraAchieved = function (params) {
    var v = params.value;
    return v === null || v === undefined ? "–" : (v * 100).toFixed(0) + "%";
};

// A period not over on the as-of date says how far its data go.
dagfuncs.agoraPartial = function (params) {
    return params.value ? "partial, to " + params.data.as_of : "complete";
};
