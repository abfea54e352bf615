package main

// This file stands in for an embedding model. A real application calls one
// (a sentence-transformer, an embeddings API) and stores what it returns;
// this example must run offline and give the same numbers everywhere, so it
// maps words to a handful of hand-labelled topics instead. That is enough
// to show what embeddings do that keywords cannot: "tyre", "puncture" and
// "tube" land near "flat tire" although they share no word with it. And what
// they do not do: a word the model never learned contributes nothing.

// The topics, one dimension each.
const (
	topicBicycle = iota
	topicCar
	topicTire
	topicRepair
	topicBattery
	topicMotor
	topicElectric
	topicMoney
	topicRiding
	topicSafety
	topicCount
)

// topicNames label the dimensions for printing.
var topicNames = [topicCount]string{
	"bicycle", "car", "tire", "repair", "battery", "motor", "electric", "money", "riding", "safety",
}

// lexicon gives each known word its weight on the topics. Words not listed
// (stopwords, brand names, rare terms) carry no meaning for the model.
var lexicon = map[string]map[int]float32{
	// bicycles
	"bike": {topicBicycle: 1}, "bikes": {topicBicycle: 1}, "bicycle": {topicBicycle: 1},
	"bicycles": {topicBicycle: 1}, "cycling": {topicBicycle: 0.8, topicRiding: 0.4},
	"cyclist": {topicBicycle: 0.8, topicRiding: 0.3}, "pedals": {topicBicycle: 0.8, topicRiding: 0.3},
	"chain": {topicBicycle: 0.7}, "ebike": {topicBicycle: 0.8, topicElectric: 0.8},
	// cars
	"car": {topicCar: 1}, "cars": {topicCar: 1}, "automobile": {topicCar: 1}, "vehicle": {topicCar: 0.8},
	"roadside": {topicCar: 0.6, topicRepair: 0.3}, "driver": {topicCar: 0.8},
	// tires and wheels
	"tire": {topicTire: 1}, "tires": {topicTire: 1}, "tyre": {topicTire: 1}, "tyres": {topicTire: 1},
	"flat": {topicTire: 0.7}, "puncture": {topicTire: 0.8, topicRepair: 0.3},
	"punctured": {topicTire: 0.8, topicRepair: 0.2}, "tube": {topicTire: 0.8}, "wheel": {topicTire: 0.6},
	"wheels": {topicTire: 0.6}, "deflated": {topicTire: 0.8}, "pressure": {topicTire: 0.5},
	"pump": {topicTire: 0.6}, "valve": {topicTire: 0.5},
	// repair
	"fix": {topicRepair: 1}, "fixing": {topicRepair: 1}, "fixed": {topicRepair: 1}, "repair": {topicRepair: 1},
	"repairs": {topicRepair: 1}, "repairing": {topicRepair: 1}, "patch": {topicRepair: 0.9, topicTire: 0.2},
	"patching": {topicRepair: 0.9, topicTire: 0.2}, "mend": {topicRepair: 0.9}, "mending": {topicRepair: 0.9},
	"replace": {topicRepair: 0.7}, "replacing": {topicRepair: 0.7}, "remove": {topicRepair: 0.4},
	"removing": {topicRepair: 0.4}, "tools": {topicRepair: 0.5}, "lever": {topicRepair: 0.3, topicTire: 0.3},
	"levers": {topicRepair: 0.3, topicTire: 0.3}, "mechanic": {topicRepair: 0.8},
	// batteries, motors, electricity
	"battery": {topicBattery: 1}, "batteries": {topicBattery: 1}, "charge": {topicBattery: 0.8, topicElectric: 0.3},
	"charging": {topicBattery: 0.8, topicElectric: 0.3}, "charger": {topicBattery: 0.8, topicElectric: 0.3},
	"cells": {topicBattery: 0.7}, "motor": {topicMotor: 1}, "hub": {topicMotor: 0.4, topicTire: 0.3},
	"engine": {topicMotor: 0.8, topicCar: 0.3}, "electric": {topicElectric: 1}, "cable": {topicElectric: 0.5},
	"voltage": {topicElectric: 0.8, topicBattery: 0.3}, "assist": {topicMotor: 0.5, topicElectric: 0.4},
	// money
	"price": {topicMoney: 1}, "prices": {topicMoney: 1}, "rate": {topicMoney: 0.6}, "cost": {topicMoney: 1},
	"shipping": {topicMoney: 0.5}, "warranty": {topicMoney: 0.7}, "refund": {topicMoney: 1},
	"invoice": {topicMoney: 0.9}, "receipt": {topicMoney: 0.8}, "fee": {topicMoney: 1},
	// riding
	"ride": {topicRiding: 1}, "riding": {topicRiding: 1}, "commute": {topicRiding: 0.9},
	"commuting": {topicRiding: 0.9}, "route": {topicRiding: 0.7}, "trip": {topicRiding: 0.7},
	"hills": {topicRiding: 0.6}, "range": {topicRiding: 0.4, topicBattery: 0.4},
	// safety
	"helmet": {topicSafety: 1}, "helmets": {topicSafety: 1}, "lock": {topicSafety: 0.8},
	"lights": {topicSafety: 0.7}, "brakes": {topicSafety: 0.8, topicBicycle: 0.2}, "theft": {topicSafety: 0.8},
}

// embed returns the text's position in topic space: the sum of its known
// words' topic weights. The index normalises it (cosine metric), so only
// the direction matters. A text with no known word gives the zero vector,
// which has no direction; the cosine index rejects it.
func embed(text string) []float32 {
	v := make([]float32, topicCount)
	for _, w := range tokenize(text) {
		for topic, weight := range lexicon[w] {
			v[topic] += weight
		}
	}
	return v
}
