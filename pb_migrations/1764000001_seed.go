package migrations

import (
	"strconv"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"ihome/internal/intid"
)

func init() {
	m.Register(seed, unseed)
}

// Ids count from 1 in this order: existing pages hard-code them (API.md §5).
var (
	seedAreas = []string{"东城区", "西城区", "朝阳区", "海淀区", "昌平区", "丰台区",
		"房山区", "通州区", "顺义区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区", "石景山区"}
	seedFacilities = []string{"无线网络", "热水淋浴", "空调", "暖气", "允许吸烟", "饮水设备", "牙具",
		"香皂", "拖鞋", "手纸", "毛巾", "沐浴露、洗发露", "冰箱", "洗衣机", "电梯", "允许做饭",
		"允许带宠物", "允许聚会", "门禁系统", "停车位", "有线网络", "电视", "浴缸"}
)

func seed(app core.App) error {
	if err := seedNames(app, "areas", seedAreas); err != nil {
		return err
	}
	return seedNames(app, "facilities", seedFacilities)
}

func seedNames(app core.App, collection string, names []string) error {
	col, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	for i, name := range names {
		rec := core.NewRecord(col)
		rec.Id = strconv.Itoa(i + 1)
		rec.Set("name", name)
		if err := intid.Assign(app, rec); err != nil {
			return err
		}
		if err := app.Save(rec); err != nil {
			return err
		}
	}
	return nil
}

func unseed(app core.App) error {
	for _, table := range []string{"areas", "facilities"} {
		if _, err := app.DB().Delete(table, nil).Execute(); err != nil {
			return err
		}
	}
	return nil
}
