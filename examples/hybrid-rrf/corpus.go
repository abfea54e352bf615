package main

// Document is one help-centre article.
type Document struct {
	ID    uint64
	Title string
	Body  string
}

// Text is what both retrievers index: the title followed by the body.
func (d Document) Text() string { return d.Title + ". " + d.Body }

// corpus is a bicycle shop's help centre. Some articles answer the showcase
// query in other words (a retriever on meaning finds them, one on words does
// not), some share its words but not its subject (the reverse), and one,
// the article on flats on an electric bike, is the best answer.
var corpus = []Document{
	{1, "Repairing a punctured tyre",
		"Take the wheel off, lever the tyre from the rim and pull out the tube. Find the puncture, patch it, refit the tube and pump to pressure."},
	{2, "Mending an inner tube at the roadside",
		"A patch kit and two tyre levers are all the tools you need to mend a deflated tube on a bicycle ride."},
	{3, "Replacing a bicycle tube",
		"When a patch will not hold, replacing the tube is quicker: remove the wheel, deflate fully, swap the tube, pump and check the valve."},
	{4, "Car flat tire? Roadside service",
		"Our roadside partner will fix a flat tire on your car, or tow the vehicle to a garage if the driver cannot drive on it; cars only."},
	{5, "Electric bike battery will not charge",
		"If the battery of your electric bike will not charge, fix it by checking the charger, the cable and the voltage before replacing the cells."},
	{6, "Flat pedals or clipless pedals for the commute",
		"Flat pedals suit a short commute in everyday shoes; clipless pedals hold the foot for longer rides."},
	{7, "Punctures on an electric bike with a hub motor",
		"The rear wheel holds the hub motor: unplug the motor cable and undo the axle nuts before you patch the tube, then refit the wheel and pump the tyre."},
	{8, "Flat-rate shipping",
		"Every order ships at a flat rate, whatever the cost of the goods; electric bike frames ship by freight for a fixed fee."},
	{9, "Choosing a helmet",
		"A helmet should sit level and snug; replace it after any crash."},
	{10, "Charging and range",
		"A full battery gives about 60 km of assisted riding; range falls in the cold and on hills."},
	{11, "Brakes that squeal",
		"Squealing brakes usually need clean rims or new pads; a mechanic can adjust the calipers."},
	{12, "Warranty and refunds",
		"Frames carry a five-year warranty; a refund needs the receipt or the invoice."},
	{13, "Locks and theft",
		"Use a D-lock through the frame and the rear wheel; register the frame number to help after a theft."},
	{14, "Tubeless tyres",
		"Tubeless tyres hold sealant that closes small punctures as you ride, so they rarely go soft."},
	{15, "Checking tyre pressure",
		"Pump your bicycle tyres to the pressure printed on the sidewall; a soft tyre pinches the tube and punctures more easily."},
	{16, "Puncture-resistant tyres",
		"Tyres with a puncture belt cost a little more but save most roadside repairs on a daily cycling commute."},
}
