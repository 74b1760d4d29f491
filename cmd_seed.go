package main

import (
	"fmt"
	"os"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"ihome/modules/seed"
)

// seedCommand is `ihome seed`: fill the data dir with a generated city.
func seedCommand(app core.App) *cobra.Command {
	opt := seed.Options{}
	var demo bool
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill an empty data dir with a generated city (users, houses with pictures, orders, reviews)",
		Long: "Fill an empty data dir with a generated city, deterministic from --seed.\n" +
			"Every generated user's password is \"" + seed.Password + "\"; mobiles are 138xxxxxxxx (the first is 13800000001).",
		RunE: func(cmd *cobra.Command, args []string) error {
			if demo {
				d := seed.Demo()
				opt.Users, opt.Houses, opt.Orders, opt.Pictures = d.Users, d.Houses, d.Orders, d.Pictures
			}
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			opt.Progress = func(stage string, done, total int) {
				fmt.Fprintf(os.Stderr, "\r%-9s %7d / %d", stage, done, total)
				if done == total {
					fmt.Fprintln(os.Stderr)
				}
			}
			start := time.Now()
			if err := seed.Run(app, opt); err != nil {
				return err
			}
			fmt.Printf("seeded %d users, %d houses, about %d orders in %s (password %q)\n",
				opt.Users, opt.Houses, opt.Orders, time.Since(start).Round(time.Millisecond), seed.Password)
			return nil
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&opt.Seed, "seed", 1, "random seed: the same seed makes the same city")
	f.IntVar(&opt.Users, "users", 1000, "users (the first fifth are verified landlords)")
	f.IntVar(&opt.Houses, "houses", 10000, "houses")
	f.IntVar(&opt.Orders, "orders", 100000, "orders, spread evenly over the houses")
	f.IntVar(&opt.Pictures, "pictures", 50, "houses (the first ones) that get drawn pictures")
	f.BoolVar(&demo, "demo", false, "a small demo city: 40 users, 60 houses with pictures, 400 orders")
	return cmd
}
