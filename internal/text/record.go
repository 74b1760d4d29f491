package text

import (
	"fmt"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Field is a free-text column of a collection and its bounds, in
// characters after the rule; Lines is for multi-line text (CleanLines).
type Field struct {
	Name     string
	Min, Max int
	Lines    bool
}

// BindRecordRule makes every write of fields in collection obey the rule
// of API.md §1.7, whoever writes it (the API, Go code, or staff in the
// admin UI, whose edits skip the API's parsing): a changed value is stored
// as Clean returns it (so a unique index sees look-alikes as one value),
// and a refused value is a validation error on that field. An empty value
// is left to the collection's own "required" (staff may clear an optional
// field), and so is a value that did not change, so a record written
// before the rule can still be saved.
func BindRecordRule(app core.App, collection string, fields ...Field) {
	app.OnRecordValidate(collection).Bind(&hook.Handler[*core.RecordEvent]{
		Id: "ihome.text.rule." + collection,
		Func: func(e *core.RecordEvent) error {
			for _, f := range fields {
				v := e.Record.GetString(f.Name)
				if v == "" || (!e.Record.IsNew() && v == e.Record.Original().GetString(f.Name)) {
					continue
				}
				clean, err := clean(f.Name, v, f.Min, f.Max, f.Lines)
				if err != nil {
					return validation.Errors{f.Name: validation.NewError("validation_text_rule",
						fmt.Sprintf("%d–%d characters, without control, format (zero-width, bidi), separator or filler characters (API.md §1.7)", f.Min, f.Max))}
				}
				e.Record.Set(f.Name, clean)
			}
			return e.Next()
		},
	})
}
