<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>kiosk</name>
    <message>
        <source>cloud.bad_data</source>
        <extracomment>An exam&apos;s data could not be read ({detail}).</extracomment>
        <translation>An exam&apos;s data could not be read ({detail}).</translation>
    </message>
    <message>
        <source>cloud.bad_multipart</source>
        <extracomment>The imaging cloud&apos;s answer was incomplete or malformed ({detail}).</extracomment>
        <translation>The imaging cloud&apos;s answer was incomplete or malformed ({detail}).</translation>
    </message>
    <message>
        <source>cloud.error</source>
        <extracomment>The imaging cloud at {cloud} answered with an error ({detail}).</extracomment>
        <translation>The imaging cloud at {cloud} answered with an error ({detail}).</translation>
    </message>
    <message>
        <source>cloud.forbidden</source>
        <extracomment>The imaging cloud at {cloud} does not allow the kiosk to read this ({detail}).</extracomment>
        <translation>The imaging cloud at {cloud} does not allow the kiosk to read this ({detail}).</translation>
    </message>
    <message>
        <source>cloud.not_found</source>
        <extracomment>The imaging cloud at {cloud} does not have what was asked for ({detail}).</extracomment>
        <translation>The imaging cloud at {cloud} does not have what was asked for ({detail}).</translation>
    </message>
    <message>
        <source>cloud.offline_not_cached</source>
        <extracomment>The imaging cloud at {cloud} cannot be reached ({detail}) and this exam is not in the kiosk&apos;s offline cache. Please try again later or ask at the desk.</extracomment>
        <translation>The imaging cloud at {cloud} cannot be reached ({detail}) and this exam is not in the kiosk&apos;s offline cache. Please try again later or ask at the desk.</translation>
    </message>
    <message>
        <source>cloud.server_error</source>
        <extracomment>The imaging cloud at {cloud} is failing ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>The imaging cloud at {cloud} is failing ({detail}). Please try again later or ask at the desk.</translation>
    </message>
    <message>
        <source>cloud.timeout</source>
        <extracomment>The imaging cloud at {cloud} did not answer in time ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>The imaging cloud at {cloud} did not answer in time ({detail}). Please try again later or ask at the desk.</translation>
    </message>
    <message>
        <source>cloud.unauthorized</source>
        <extracomment>The imaging cloud at {cloud} refused the kiosk&apos;s credentials ({detail}).</extracomment>
        <translation>The imaging cloud at {cloud} refused the kiosk&apos;s credentials ({detail}).</translation>
    </message>
    <message>
        <source>cloud.unreachable</source>
        <extracomment>The imaging cloud at {cloud} cannot be reached ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>The imaging cloud at {cloud} cannot be reached ({detail}). Please try again later or ask at the desk.</translation>
    </message>
    <message>
        <source>code.bad_id_number</source>
        <extracomment>This ID number does not pass its check digit. Please place the card again or ask at the desk.</extracomment>
        <translation>This ID number does not pass its check digit. Please place the card again or ask at the desk.</translation>
    </message>
    <message>
        <source>code.bad_token</source>
        <extracomment>This QR code is not valid. Please ask at the desk.</extracomment>
        <translation>This QR code is not valid. Please ask at the desk.</translation>
    </message>
    <message>
        <source>code.not_supported</source>
        <extracomment>This kind of card or code cannot be used at this kiosk ({kind}). Please scan your exam slip or ask at the desk.</extracomment>
        <translation>This kind of card or code cannot be used at this kiosk ({kind}). Please scan your exam slip or ask at the desk.</translation>
    </message>
    <message>
        <source>code.token_expired</source>
        <extracomment>This QR code has expired. Please get a new one and scan it again.</extracomment>
        <translation>This QR code has expired. Please get a new one and scan it again.</translation>
    </message>
    <message>
        <source>code.token_used</source>
        <extracomment>This QR code has already been used. Please get a new one or ask at the desk.</extracomment>
        <translation>This QR code has already been used. Please get a new one or ask at the desk.</translation>
    </message>
    <message>
        <source>code.unknown</source>
        <extracomment>This code is not recognised. Please check the barcode on your exam slip, or ask at the desk.</extracomment>
        <translation>This code is not recognised. Please check the barcode on your exam slip, or ask at the desk.</translation>
    </message>
    <message>
        <source>code.unknown_card</source>
        <extracomment>This card is not recognised here. Please scan your exam slip or ask at the desk.</extracomment>
        <translation>This card is not recognised here. Please scan your exam slip or ask at the desk.</translation>
    </message>
    <message>
        <source>device.door-open</source>
        <extracomment>A door or cover is open: close it.</extracomment>
        <translation>A door or cover is open: close it.</translation>
    </message>
    <message>
        <source>device.marker-supply-empty</source>
        <extracomment>A supply (toner, ink, chemicals) is empty.</extracomment>
        <translation>A supply (toner, ink, chemicals) is empty.</translation>
    </message>
    <message>
        <source>device.marker-supply-low</source>
        <extracomment>A supply (toner, ink, chemicals) is low.</extracomment>
        <translation>A supply (toner, ink, chemicals) is low.</translation>
    </message>
    <message>
        <source>device.marker-waste-full</source>
        <extracomment>The waste container is full: replace it.</extracomment>
        <translation>The waste container is full: replace it.</translation>
    </message>
    <message>
        <source>device.media-empty</source>
        <extracomment>Out of paper or film: load a new box.</extracomment>
        <translation>Out of paper or film: load a new box.</translation>
    </message>
    <message>
        <source>device.media-jam</source>
        <extracomment>Paper or film is jammed: open the printer and clear it.</extracomment>
        <translation>Paper or film is jammed: open the printer and clear it.</translation>
    </message>
    <message>
        <source>device.media-low</source>
        <extracomment>Paper or film is running low: have a new box ready.</extracomment>
        <translation>Paper or film is running low: have a new box ready.</translation>
    </message>
    <message>
        <source>device.media-needed</source>
        <extracomment>The printer needs a different paper or film size loaded.</extracomment>
        <translation>The printer needs a different paper or film size loaded.</translation>
    </message>
    <message>
        <source>device.offline</source>
        <extracomment>The printer is offline: check its power and cable.</extracomment>
        <translation>The printer is offline: check its power and cable.</translation>
    </message>
    <message>
        <source>device.other</source>
        <extracomment>The printer reports a condition: see its panel.</extracomment>
        <translation>The printer reports a condition: see its panel.</translation>
    </message>
    <message>
        <source>device.output-area-almost-full</source>
        <extracomment>The output tray is almost full.</extracomment>
        <translation>The output tray is almost full.</translation>
    </message>
    <message>
        <source>device.output-area-full</source>
        <extracomment>The output tray is full: empty it.</extracomment>
        <translation>The output tray is full: empty it.</translation>
    </message>
    <message>
        <source>device.printer-error</source>
        <extracomment>The printer reports a fault: see its panel.</extracomment>
        <translation>The printer reports a fault: see its panel.</translation>
    </message>
    <message>
        <source>device.queue-stopped</source>
        <extracomment>The printer stopped after an error; once it is sorted, tap resume.</extracomment>
        <translation>The printer stopped after an error; once it is sorted, tap resume.</translation>
    </message>
    <message>
        <source>device.toner-empty</source>
        <extracomment>Toner is empty: replace the cartridge.</extracomment>
        <translation>Toner is empty: replace the cartridge.</translation>
    </message>
    <message>
        <source>device.toner-low</source>
        <extracomment>Toner is low: order a cartridge.</extracomment>
        <translation>Toner is low: order a cartridge.</translation>
    </message>
    <message>
        <source>device.warming-up</source>
        <extracomment>The printer is warming up or calibrating.</extracomment>
        <translation>The printer is warming up or calibrating.</translation>
    </message>
    <message>
        <source>exam.none_found</source>
        <extracomment>No exams were found for this code. Please ask at the desk.</extracomment>
        <translation>No exams were found for this code. Please ask at the desk.</translation>
    </message>
    <message>
        <source>feature.not_available</source>
        <extracomment>&apos;{feature}&apos; is not available yet in this version.</extracomment>
        <translation>&apos;{feature}&apos; is not available yet in this version.</translation>
    </message>
    <message>
        <source>film.compose_failed</source>
        <extracomment>The film could not be composed ({detail}).</extracomment>
        <translation>The film could not be composed ({detail}).</translation>
    </message>
    <message>
        <source>film.not_enough</source>
        <extracomment>Not enough {size} film is loaded for {needed} sheet(s) ({remaining} left). Please ask the staff to load film, then print again.</extracomment>
        <translation>Not enough {size} film is loaded for {needed} sheet(s) ({remaining} left). Please ask the staff to load film, then print again.</translation>
    </message>
    <message>
        <source>film.size_unsupported</source>
        <extracomment>The film printer {printer} cannot print {size} film at its true size ({media}; it offers: {offered}); nothing was printed. Please ask the staff.</extracomment>
        <translation>The film printer {printer} cannot print {size} film at its true size ({media}; it offers: {offered}); nothing was printed. Please ask the staff.</translation>
    </message>
    <message>
        <source>fleet.offline</source>
        <extracomment>The kiosk cannot check the hospital&apos;s shared print record right now ({detail}), so it cannot print this. Please try again later or ask at the desk.</extracomment>
        <translation>The kiosk cannot check the hospital&apos;s shared print record right now ({detail}), so it cannot print this. Please try again later or ask at the desk.</translation>
    </message>
    <message>
        <source>idcard.place_again</source>
        <extracomment>The ID card could not be read. Please place it flat on the reader again.</extracomment>
        <translation>The ID card could not be read. Please place it flat on the reader again.</translation>
    </message>
    <message>
        <source>idcard.reader_failed</source>
        <extracomment>The ID card reader is not working ({detail}). Please scan your exam slip or ask at the desk.</extracomment>
        <translation>The ID card reader is not working ({detail}). Please scan your exam slip or ask at the desk.</translation>
    </message>
    <message>
        <source>identity.lookup_failed</source>
        <extracomment>The identity service at {service} could not be asked ({detail}). Please try again later or ask at the desk.</extracomment>
        <translation>The identity service at {service} could not be asked ({detail}). Please try again later or ask at the desk.</translation>
    </message>
    <message>
        <source>identity.not_registered</source>
        <extracomment>No registration at this hospital was found for this card or code. Please ask at the desk.</extracomment>
        <translation>No registration at this hospital was found for this card or code. Please ask at the desk.</translation>
    </message>
    <message>
        <source>item.already_printed</source>
        <extracomment>Already printed on {when}; ask the staff for a reprint.</extracomment>
        <translation>Already printed on {when}; ask the staff for a reprint.</translation>
    </message>
    <message>
        <source>item.in_progress</source>
        <extracomment>A print of this item is in progress or waits for the staff ({state}).</extracomment>
        <translation>A print of this item is in progress or waits for the staff ({state}).</translation>
    </message>
    <message>
        <source>item.no_images</source>
        <extracomment>This exam has no images to print on film.</extracomment>
        <translation>This exam has no images to print on film.</translation>
    </message>
    <message>
        <source>item.no_report</source>
        <extracomment>This exam has no report yet.</extracomment>
        <translation>This exam has no report yet.</translation>
    </message>
    <message>
        <source>item.not_recent</source>
        <extracomment>This exam is more than {days} days old; it prints only when chosen on the kiosk screen.</extracomment>
        <translation>This exam is more than {days} days old; it prints only when chosen on the kiosk screen.</translation>
    </message>
    <message>
        <source>item.printed_elsewhere</source>
        <extracomment>Already printed at another kiosk ({kiosk}) on {when}; ask the staff for a reprint.</extracomment>
        <translation>Already printed at another kiosk ({kiosk}) on {when}; ask the staff for a reprint.</translation>
    </message>
    <message>
        <source>item.printer_fault</source>
        <extracomment>The printer has a fault at the moment, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>The printer has a fault at the moment, so this cannot print now. Please ask at the desk.</translation>
    </message>
    <message>
        <source>item.printer_offline</source>
        <extracomment>The printer is not connected at the moment, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>The printer is not connected at the moment, so this cannot print now. Please ask at the desk.</translation>
    </message>
    <message>
        <source>item.printer_out_of_film</source>
        <extracomment>The film printer is waiting for film to be loaded, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>The film printer is waiting for film to be loaded, so this cannot print now. Please ask at the desk.</translation>
    </message>
    <message>
        <source>item.printer_out_of_paper</source>
        <extracomment>The printer is waiting for paper to be loaded, so this cannot print now. Please ask at the desk.</extracomment>
        <translation>The printer is waiting for paper to be loaded, so this cannot print now. Please ask at the desk.</translation>
    </message>
    <message>
        <source>item.printing_elsewhere</source>
        <extracomment>This is being printed at another kiosk ({kiosk}) right now; collect it there or ask at the desk.</extracomment>
        <translation>This is being printed at another kiosk ({kiosk}) right now; collect it there or ask at the desk.</translation>
    </message>
    <message>
        <source>item.report_expected</source>
        <extracomment>The report is not final yet; expected at {time}.</extracomment>
        <translation>The report is not final yet; expected at {time}.</translation>
    </message>
    <message>
        <source>item.report_not_final</source>
        <extracomment>The report is not final yet.</extracomment>
        <translation>The report is not final yet.</translation>
    </message>
    <message>
        <source>item.report_unsupported</source>
        <extracomment>This report&apos;s format ({sop_class}) cannot be printed here yet; the desk can print it.</extracomment>
        <translation>This report&apos;s format ({sop_class}) cannot be printed here yet; the desk can print it.</translation>
    </message>
    <message>
        <source>item.waits_for_staff</source>
        <extracomment>Whether this printed ({kiosk}) must be checked by the staff first; please ask at the desk.</extracomment>
        <translation>Whether this printed ({kiosk}) must be checked by the staff first; please ask at the desk.</translation>
    </message>
    <message>
        <source>kind.film</source>
        <extracomment>Film</extracomment>
        <translation>Film</translation>
    </message>
    <message>
        <source>kind.report</source>
        <extracomment>Report</extracomment>
        <translation>Report</translation>
    </message>
    <message>
        <source>mnt.action_failed</source>
        <extracomment>That did not work. Please try again; if it still fails, call IT support.</extracomment>
        <translation>That did not work. Please try again; if it still fails, call IT support.</translation>
    </message>
    <message>
        <source>mnt.actor_kiosk</source>
        <extracomment>Kiosk</extracomment>
        <translation>Kiosk</translation>
    </message>
    <message>
        <source>mnt.audit.fleet.settled</source>
        <extracomment>Other kiosk&apos;s item settled</extracomment>
        <translation>Other kiosk&apos;s item settled</translation>
    </message>
    <message>
        <source>mnt.audit.job.canceled</source>
        <extracomment>Job canceled</extracomment>
        <translation>Job canceled</translation>
    </message>
    <message>
        <source>mnt.audit.job.held</source>
        <extracomment>Job waiting for a nurse</extracomment>
        <translation>Job waiting for a nurse</translation>
    </message>
    <message>
        <source>mnt.audit.job.paused</source>
        <extracomment>Job stopped</extracomment>
        <translation>Job stopped</translation>
    </message>
    <message>
        <source>mnt.audit.job.resumed</source>
        <extracomment>Job resumed</extracomment>
        <translation>Job resumed</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.entered</source>
        <extracomment>Entered maintenance</extracomment>
        <translation>Entered maintenance</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.exited</source>
        <extracomment>Left maintenance</extracomment>
        <translation>Left maintenance</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.pin_failed</source>
        <extracomment>Wrong PIN</extracomment>
        <translation>Wrong PIN</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.quit</source>
        <extracomment>Quit the kiosk</extracomment>
        <translation>Quit the kiosk</translation>
    </message>
    <message>
        <source>mnt.audit.maintenance.test_print</source>
        <extracomment>Test print</extracomment>
        <translation>Test print</translation>
    </message>
    <message>
        <source>mnt.audit.other</source>
        <extracomment>Other action</extracomment>
        <translation>Other action</translation>
    </message>
    <message>
        <source>mnt.audit.reprint.authorised</source>
        <extracomment>Reprint authorised</extracomment>
        <translation>Reprint authorised</translation>
    </message>
    <message>
        <source>mnt.audit.supply.loaded</source>
        <extracomment>Supplies loaded</extracomment>
        <translation>Supplies loaded</translation>
    </message>
    <message>
        <source>mnt.bad_count</source>
        <extracomment>That count is not right: enter 0 to 10,000 sheets.</extracomment>
        <translation>That count is not right: enter 0 to 10,000 sheets.</translation>
    </message>
    <message>
        <source>mnt.bad_staff_id</source>
        <extracomment>That staff id is not valid: 2 to 32 letters or digits.</extracomment>
        <translation>That staff id is not valid: 2 to 32 letters or digits.</translation>
    </message>
    <message>
        <source>mnt.cancel_job</source>
        <extracomment>Cancel job</extracomment>
        <translation>Cancel job</translation>
    </message>
    <message>
        <source>mnt.cleared</source>
        <extracomment>I have cleared it: resume</extracomment>
        <translation>I have cleared it: resume</translation>
    </message>
    <message>
        <source>mnt.closed</source>
        <extracomment>No maintenance PIN is set on this kiosk (ui.staff_pin_hash).</extracomment>
        <translation>No maintenance PIN is set on this kiosk (ui.staff_pin_hash).</translation>
    </message>
    <message>
        <source>mnt.cloud_unreachable</source>
        <extracomment>The imaging cloud cannot be reached</extracomment>
        <translation>The imaging cloud cannot be reached</translation>
    </message>
    <message>
        <source>mnt.code</source>
        <extracomment>Patient code</extracomment>
        <translation>Patient code</translation>
    </message>
    <message>
        <source>mnt.confirm_printed</source>
        <extracomment>It did print</extracomment>
        <translation>It did print</translation>
    </message>
    <message>
        <source>mnt.count</source>
        <extracomment>Count</extracomment>
        <translation>Count</translation>
    </message>
    <message>
        <source>mnt.device.cloud</source>
        <extracomment>Imaging cloud</extracomment>
        <translation>Imaging cloud</translation>
    </message>
    <message>
        <source>mnt.device.film</source>
        <extracomment>Film printer</extracomment>
        <translation>Film printer</translation>
    </message>
    <message>
        <source>mnt.device.report</source>
        <extracomment>Report printer</extracomment>
        <translation>Report printer</translation>
    </message>
    <message>
        <source>mnt.devices</source>
        <extracomment>Devices</extracomment>
        <translation>Devices</translation>
    </message>
    <message>
        <source>mnt.done</source>
        <extracomment>Done</extracomment>
        <translation>Done</translation>
    </message>
    <message>
        <source>mnt.enter</source>
        <extracomment>Enter</extracomment>
        <translation>Enter</translation>
    </message>
    <message>
        <source>mnt.exit</source>
        <extracomment>Back to patient mode</extracomment>
        <translation>Back to patient mode</translation>
    </message>
    <message>
        <source>mnt.fleet_error</source>
        <extracomment>The fleet&apos;s shared print record cannot be reached just now</extracomment>
        <translation>The fleet&apos;s shared print record cannot be reached just now</translation>
    </message>
    <message>
        <source>mnt.fleet_line</source>
        <extracomment>{kiosk} · {kind} · unknown since {since}: look in that kiosk&apos;s tray</extracomment>
        <translation>{kiosk} · {kind} · unknown since {since}: look in that kiosk&apos;s tray</translation>
    </message>
    <message>
        <source>mnt.fleet_not_printed</source>
        <extracomment>Not in its tray</extracomment>
        <translation>Not in its tray</translation>
    </message>
    <message>
        <source>mnt.fleet_printed</source>
        <extracomment>It printed there</extracomment>
        <translation>It printed there</translation>
    </message>
    <message>
        <source>mnt.fleet_unreachable</source>
        <extracomment>The fleet&apos;s shared print record cannot be read: {detail}</extracomment>
        <translation>The fleet&apos;s shared print record cannot be read: {detail}</translation>
    </message>
    <message>
        <source>mnt.jam_model_steps</source>
        <extracomment>To clear a jam on {printer} ({model}):</extracomment>
        <translation>To clear a jam on {printer} ({model}):</translation>
    </message>
    <message>
        <source>mnt.jam_own_steps</source>
        <extracomment>To clear a jam on {printer}:</extracomment>
        <translation>To clear a jam on {printer}:</translation>
    </message>
    <message>
        <source>mnt.jam_picture</source>
        <extracomment>Picture of step {step}</extracomment>
        <translation>Picture of step {step}</translation>
    </message>
    <message>
        <source>mnt.jam_steps</source>
        <extracomment>1. Open the front cover of {printer}
2. Gently remove the stuck film or paper
3. Close the cover and check the light is steady</extracomment>
        <translation>1. Open the front cover of {printer}
2. Gently remove the stuck film or paper
3. Close the cover and check the light is steady</translation>
    </message>
    <message>
        <source>mnt.job_attention</source>
        <extracomment>This job is waiting for you.</extracomment>
        <translation>This job is waiting for you.</translation>
    </message>
    <message>
        <source>mnt.job_line</source>
        <extracomment>Job {job} · {kind} · {printer} · {state} · confirmed {confirmed}/{units}</extracomment>
        <translation>Job {job} · {kind} · {printer} · {state} · confirmed {confirmed}/{units}</translation>
    </message>
    <message>
        <source>mnt.job_state.canceled</source>
        <extracomment>Canceled</extracomment>
        <translation>Canceled</translation>
    </message>
    <message>
        <source>mnt.job_state.completed</source>
        <extracomment>Completed</extracomment>
        <translation>Completed</translation>
    </message>
    <message>
        <source>mnt.job_state.failed</source>
        <extracomment>Failed</extracomment>
        <translation>Failed</translation>
    </message>
    <message>
        <source>mnt.job_state.paused</source>
        <extracomment>Stopped</extracomment>
        <translation>Stopped</translation>
    </message>
    <message>
        <source>mnt.job_state.queued</source>
        <extracomment>Queued</extracomment>
        <translation>Queued</translation>
    </message>
    <message>
        <source>mnt.job_state.submitted</source>
        <extracomment>Sent</extracomment>
        <translation>Sent</translation>
    </message>
    <message>
        <source>mnt.job_state.unknown</source>
        <extracomment>Outcome unknown: look in the tray</extracomment>
        <translation>Outcome unknown: look in the tray</translation>
    </message>
    <message>
        <source>mnt.level.fault</source>
        <extracomment>Fault</extracomment>
        <translation>Fault</translation>
    </message>
    <message>
        <source>mnt.level.ok</source>
        <extracomment>OK</extracomment>
        <translation>OK</translation>
    </message>
    <message>
        <source>mnt.level.unknown</source>
        <extracomment>Unknown</extracomment>
        <translation>Unknown</translation>
    </message>
    <message>
        <source>mnt.level.warn</source>
        <extracomment>Attention</extracomment>
        <translation>Attention</translation>
    </message>
    <message>
        <source>mnt.load</source>
        <extracomment>Record loaded</extracomment>
        <translation>Record loaded</translation>
    </message>
    <message>
        <source>mnt.locked</source>
        <extracomment>Too many wrong PINs: locked for {seconds} s.</extracomment>
        <translation>Too many wrong PINs: locked for {seconds} s.</translation>
    </message>
    <message>
        <source>mnt.login</source>
        <extracomment>Enter your staff id and PIN</extracomment>
        <translation>Enter your staff id and PIN</translation>
    </message>
    <message>
        <source>mnt.media.cm</source>
        <extracomment>{w} x {h} cm</extracomment>
        <translation>{w} x {h} cm</translation>
    </message>
    <message>
        <source>mnt.media.inch</source>
        <extracomment>{w} x {h} in</extracomment>
        <translation>{w} x {h} in</translation>
    </message>
    <message>
        <source>mnt.media.mm</source>
        <extracomment>{w} x {h} mm</extracomment>
        <translation>{w} x {h} mm</translation>
    </message>
    <message>
        <source>mnt.media_steps</source>
        <extracomment>1. Open the tray of {printer}
2. Load new film or paper
3. Close it and record the count below</extracomment>
        <translation>1. Open the tray of {printer}
2. Load new film or paper
3. Close it and record the count below</translation>
    </message>
    <message>
        <source>mnt.never_delivered</source>
        <extracomment>This item was never printed: no reprint is needed, the patient can print it.</extracomment>
        <translation>This item was never printed: no reprint is needed, the patient can print it.</translation>
    </message>
    <message>
        <source>mnt.no_jobs</source>
        <extracomment>No jobs are waiting</extracomment>
        <translation>No jobs are waiting</translation>
    </message>
    <message>
        <source>mnt.no_reason</source>
        <extracomment>A reprint needs a reason (3 characters or more).</extracomment>
        <translation>A reprint needs a reason (3 characters or more).</translation>
    </message>
    <message>
        <source>mnt.no_size</source>
        <extracomment>Choose the size you loaded.</extracomment>
        <translation>Choose the size you loaded.</translation>
    </message>
    <message>
        <source>mnt.pin</source>
        <extracomment>PIN</extracomment>
        <translation>PIN</translation>
    </message>
    <message>
        <source>mnt.quit</source>
        <extracomment>Quit the kiosk</extracomment>
        <translation>Quit the kiosk</translation>
    </message>
    <message>
        <source>mnt.quit_confirm</source>
        <extracomment>Tap again to quit</extracomment>
        <translation>Tap again to quit</translation>
    </message>
    <message>
        <source>mnt.quit_explain</source>
        <extracomment>The kiosk starts again by itself after quitting. Wait 5 seconds to cancel.</extracomment>
        <translation>The kiosk starts again by itself after quitting. Wait 5 seconds to cancel.</translation>
    </message>
    <message>
        <source>mnt.reason</source>
        <extracomment>Reason</extracomment>
        <translation>Reason</translation>
    </message>
    <message>
        <source>mnt.reason_lost</source>
        <extracomment>Lost</extracomment>
        <translation>Lost</translation>
    </message>
    <message>
        <source>mnt.reason_smudged</source>
        <extracomment>Smudged</extracomment>
        <translation>Smudged</translation>
    </message>
    <message>
        <source>mnt.reason_unclear</source>
        <extracomment>Unclear</extracomment>
        <translation>Unclear</translation>
    </message>
    <message>
        <source>mnt.recent</source>
        <extracomment>Recent events</extracomment>
        <translation>Recent events</translation>
    </message>
    <message>
        <source>mnt.refresh</source>
        <extracomment>Refresh</extracomment>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>mnt.reprint</source>
        <extracomment>Authorise reprint</extracomment>
        <translation>Authorise reprint</translation>
    </message>
    <message>
        <source>mnt.resumed</source>
        <extracomment>Job {job} resumed: the printer prints again, {confirmed}/{units} confirmed</extracomment>
        <translation>Job {job} resumed: the printer prints again, {confirmed}/{units} confirmed</translation>
    </message>
    <message>
        <source>mnt.resumed_still_stopped</source>
        <extracomment>Job {job} was sent again, but the printer still reports: {condition} Please check the printer again.</extracomment>
        <translation>Job {job} was sent again, but the printer still reports: {condition} Please check the printer again.</translation>
    </message>
    <message>
        <source>mnt.resumed_waiting</source>
        <extracomment>Job {job} was sent again; waiting for the printer to print ({confirmed}/{units} confirmed)</extracomment>
        <translation>Job {job} was sent again; waiting for the printer to print ({confirmed}/{units} confirmed)</translation>
    </message>
    <message>
        <source>mnt.resuming</source>
        <extracomment>Sending job {job} again, please wait…</extracomment>
        <translation>Sending job {job} again, please wait…</translation>
    </message>
    <message>
        <source>mnt.size</source>
        <extracomment>Size</extracomment>
        <translation>Size</translation>
    </message>
    <message>
        <source>mnt.staff_id</source>
        <extracomment>Staff id</extracomment>
        <translation>Staff id</translation>
    </message>
    <message>
        <source>mnt.steps</source>
        <extracomment>What to do</extracomment>
        <translation>What to do</translation>
    </message>
    <message>
        <source>mnt.test_print</source>
        <extracomment>Test print</extracomment>
        <translation>Test print</translation>
    </message>
    <message>
        <source>mnt.test_sent</source>
        <extracomment>Test print sent to {printer} (job {job})</extracomment>
        <translation>Test print sent to {printer} (job {job})</translation>
    </message>
    <message>
        <source>mnt.title</source>
        <extracomment>Maintenance</extracomment>
        <translation>Maintenance</translation>
    </message>
    <message>
        <source>mnt.wrong_card</source>
        <extracomment>This is not a staff card; {left} tries left.</extracomment>
        <translation>This is not a staff card; {left} tries left.</translation>
    </message>
    <message>
        <source>mnt.wrong_pin</source>
        <extracomment>Wrong PIN; {left} tries left.</extracomment>
        <translation>Wrong PIN; {left} tries left.</translation>
    </message>
    <message>
        <source>printer.failed</source>
        <extracomment>The printer {printer} reported a problem ({detail}); nothing was lost.</extracomment>
        <translation>The printer {printer} reported a problem ({detail}); nothing was lost.</translation>
    </message>
    <message>
        <source>printer.timeout</source>
        <extracomment>The printer {printer} did not finish within {seconds} s ({detail}); the job waits for the staff.</extracomment>
        <translation>The printer {printer} did not finish within {seconds} s ({detail}); the job waits for the staff.</translation>
    </message>
    <message>
        <source>printer.unavailable</source>
        <extracomment>The printer {printer} is not available ({detail}).</extracomment>
        <translation>The printer {printer} is not available ({detail}).</translation>
    </message>
    <message>
        <source>state.delivered</source>
        <extracomment>Printed</extracomment>
        <translation>Printed</translation>
    </message>
    <message>
        <source>state.failed</source>
        <extracomment>Failed</extracomment>
        <translation>Failed</translation>
    </message>
    <message>
        <source>state.skipped</source>
        <extracomment>Not printed</extracomment>
        <translation>Not printed</translation>
    </message>
    <message>
        <source>storage.full</source>
        <extracomment>The kiosk&apos;s storage is full, so it cannot print just now; nothing was lost. Please ask the staff.</extracomment>
        <translation>The kiosk&apos;s storage is full, so it cannot print just now; nothing was lost. Please ask the staff.</translation>
    </message>
    <message>
        <source>ui.a11y_code</source>
        <extracomment>Exam slip code or card number</extracomment>
        <translation>Exam slip code or card number</translation>
    </message>
    <message>
        <source>ui.a11y_item</source>
        <extracomment>{kind} - {exam}</extracomment>
        <translation>{kind} - {exam}</translation>
    </message>
    <message>
        <source>ui.a11y_preset</source>
        <extracomment>{what}: {value}</extracomment>
        <translation>{what}: {value}</translation>
    </message>
    <message>
        <source>ui.back</source>
        <extracomment>Back</extracomment>
        <translation>Back</translation>
    </message>
    <message>
        <source>ui.camera_hold</source>
        <extracomment>Hold the code here</extracomment>
        <translation>Hold the code here</translation>
    </message>
    <message>
        <source>ui.camera_starting</source>
        <extracomment>Starting the camera…</extracomment>
        <translation>Starting the camera…</translation>
    </message>
    <message>
        <source>ui.camera_unavailable</source>
        <extracomment>The camera is not working just now. Please tap “Type the code”.</extracomment>
        <translation>The camera is not working just now. Please tap “Type the code”.</translation>
    </message>
    <message>
        <source>ui.cancel</source>
        <extracomment>Cancel</extracomment>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>ui.collect</source>
        <extracomment>Take the report from the paper tray below and the films from the film tray on the right.</extracomment>
        <translation>Take the report from the paper tray below and the films from the film tray on the right.</translation>
    </message>
    <message>
        <source>ui.collect_film</source>
        <extracomment>Take the films from the film tray on the right.</extracomment>
        <translation>Take the films from the film tray on the right.</translation>
    </message>
    <message>
        <source>ui.collect_report</source>
        <extracomment>Take the report from the paper tray below.</extracomment>
        <translation>Take the report from the paper tray below.</translation>
    </message>
    <message>
        <source>ui.contrast</source>
        <extracomment>High contrast</extracomment>
        <translation>High contrast</translation>
    </message>
    <message>
        <source>ui.delete</source>
        <extracomment>Delete</extracomment>
        <translation>Delete</translation>
    </message>
    <message>
        <source>ui.demo_codes</source>
        <extracomment>Demo codes: </extracomment>
        <translation>Demo codes: </translation>
    </message>
    <message>
        <source>ui.done_both</source>
        <extracomment>Printing is done. Please take your report and films.</extracomment>
        <translation>Printing is done. Please take your report and films.</translation>
    </message>
    <message>
        <source>ui.done_film</source>
        <extracomment>Printing is done. Please take your films.</extracomment>
        <translation>Printing is done. Please take your films.</translation>
    </message>
    <message>
        <source>ui.done_report</source>
        <extracomment>Printing is done. Please take your report.</extracomment>
        <translation>Printing is done. Please take your report.</translation>
    </message>
    <message>
        <source>ui.error_title</source>
        <extracomment>Sorry, this did not work</extracomment>
        <translation>Sorry, this did not work</translation>
    </message>
    <message>
        <source>ui.exams_title</source>
        <extracomment>Please check these are your exams</extracomment>
        <translation>Please check these are your exams</translation>
    </message>
    <message>
        <source>ui.failed_help</source>
        <extracomment>For what did not print, please go to the desk: the staff will print it for you.</extracomment>
        <translation>For what did not print, please go to the desk: the staff will print it for you.</translation>
    </message>
    <message>
        <source>ui.find</source>
        <extracomment>Find</extracomment>
        <translation>Find</translation>
    </message>
    <message>
        <source>ui.home</source>
        <extracomment>Back to the start</extracomment>
        <translation>Back to the start</translation>
    </message>
    <message>
        <source>ui.idle_title</source>
        <extracomment>Are you still there? Back to the start in {seconds} s</extracomment>
        <translation>Are you still there? Back to the start in {seconds} s</translation>
    </message>
    <message>
        <source>ui.instruction</source>
        <extracomment>Scan your exam slip or e-health code, or place your ID card on the reader</extracomment>
        <translation>Scan your exam slip or e-health code, or place your ID card on the reader</translation>
    </message>
    <message>
        <source>ui.item_ready</source>
        <extracomment>Ready to print</extracomment>
        <translation>Ready to print</translation>
    </message>
    <message>
        <source>ui.keypad_title</source>
        <extracomment>Type the number on your exam slip</extracomment>
        <translation>Type the number on your exam slip</translation>
    </message>
    <message>
        <source>ui.language</source>
        <extracomment>中文</extracomment>
        <translation>中文</translation>
    </message>
    <message>
        <source>ui.leave_paused</source>
        <extracomment>Leave; collect at the desk</extracomment>
        <translation>Leave; collect at the desk</translation>
    </message>
    <message>
        <source>ui.more_exams</source>
        <extracomment>Earlier exams ({count})</extracomment>
        <translation>Earlier exams ({count})</translation>
    </message>
    <message>
        <source>ui.more_time</source>
        <extracomment>More time</extracomment>
        <translation>More time</translation>
    </message>
    <message>
        <source>ui.n_film_sets</source>
        <extracomment>{count} film sets</extracomment>
        <translation>{count} film sets</translation>
    </message>
    <message>
        <source>ui.n_film_sets.one</source>
        <extracomment>{count} film set</extracomment>
        <translation>{count} film set</translation>
    </message>
    <message>
        <source>ui.n_films</source>
        <extracomment>{count} films</extracomment>
        <translation>{count} films</translation>
    </message>
    <message>
        <source>ui.n_films.one</source>
        <extracomment>{count} film</extracomment>
        <translation>{count} film</translation>
    </message>
    <message>
        <source>ui.n_pages</source>
        <extracomment>{count} pages</extracomment>
        <translation>{count} pages</translation>
    </message>
    <message>
        <source>ui.n_pages.one</source>
        <extracomment>{count} page</extracomment>
        <translation>{count} page</translation>
    </message>
    <message>
        <source>ui.n_reports</source>
        <extracomment>{count} reports</extracomment>
        <translation>{count} reports</translation>
    </message>
    <message>
        <source>ui.n_reports.one</source>
        <extracomment>{count} report</extracomment>
        <translation>{count} report</translation>
    </message>
    <message>
        <source>ui.no_recent_exams</source>
        <extracomment>You have no exams from the last {days} days.</extracomment>
        <translation>You have no exams from the last {days} days.</translation>
    </message>
    <message>
        <source>ui.not_printed</source>
        <extracomment>Nothing was printed. Nothing is lost.</extracomment>
        <translation>Nothing was printed. Nothing is lost.</translation>
    </message>
    <message>
        <source>ui.nothing_new</source>
        <extracomment>There is nothing new to print.</extracomment>
        <translation>There is nothing new to print.</translation>
    </message>
    <message>
        <source>ui.nothing_to_print</source>
        <extracomment>Nothing can be printed now</extracomment>
        <translation>Nothing can be printed now</translation>
    </message>
    <message>
        <source>ui.older_exams</source>
        <extracomment>Earlier exams: tick what you need</extracomment>
        <translation>Earlier exams: tick what you need</translation>
    </message>
    <message>
        <source>ui.patient_line</source>
        <extracomment>{name}   ID ending {last4}</extracomment>
        <translation>{name}   ID ending {last4}</translation>
    </message>
    <message>
        <source>ui.paused_help</source>
        <extracomment>You may wait here, or leave: once the printer is fixed the rest will print; collect it at the desk.</extracomment>
        <translation>You may wait here, or leave: once the printer is fixed the rest will print; collect it at the desk.</translation>
    </message>
    <message>
        <source>ui.print</source>
        <extracomment>Print</extracomment>
        <translation>Print</translation>
    </message>
    <message>
        <source>ui.print_both</source>
        <extracomment>Print {reports} and {films}</extracomment>
        <translation>Print {reports} and {films}</translation>
    </message>
    <message>
        <source>ui.print_what</source>
        <extracomment>Print {what}</extracomment>
        <translation>Print {what}</translation>
    </message>
    <message>
        <source>ui.printer_stopped</source>
        <extracomment>The printer has stopped. Nothing is lost; please call the staff at the desk.</extracomment>
        <translation>The printer has stopped. Nothing is lost; please call the staff at the desk.</translation>
    </message>
    <message>
        <source>ui.printing</source>
        <extracomment>Printing, please wait</extracomment>
        <translation>Printing, please wait</translation>
    </message>
    <message>
        <source>ui.reports_pages</source>
        <extracomment>{reports} ({pages})</extracomment>
        <translation>{reports} ({pages})</translation>
    </message>
    <message>
        <source>ui.searching</source>
        <extracomment>Finding your exams…</extracomment>
        <translation>Finding your exams…</translation>
    </message>
    <message>
        <source>ui.slow</source>
        <extracomment>The network is slow; still trying. Please wait.</extracomment>
        <translation>The network is slow; still trying. Please wait.</translation>
    </message>
    <message>
        <source>ui.staff_help</source>
        <extracomment>If you need help, please ask at the desk.</extracomment>
        <translation>If you need help, please ask at the desk.</translation>
    </message>
    <message>
        <source>ui.step_collect</source>
        <extracomment>Collect</extracomment>
        <translation>Collect</translation>
    </message>
    <message>
        <source>ui.step_confirm</source>
        <extracomment>Confirm</extracomment>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>ui.step_print</source>
        <extracomment>Print</extracomment>
        <translation>Print</translation>
    </message>
    <message>
        <source>ui.step_scan</source>
        <extracomment>Scan</extracomment>
        <translation>Scan</translation>
    </message>
    <message>
        <source>ui.take_card</source>
        <extracomment>Please take your ID card and exam slip with you.</extracomment>
        <translation>Please take your ID card and exam slip with you.</translation>
    </message>
    <message>
        <source>ui.time_left</source>
        <extracomment>About {seconds} s left</extracomment>
        <translation>About {seconds} s left</translation>
    </message>
    <message>
        <source>ui.type_code</source>
        <extracomment>Type the code</extracomment>
        <translation>Type the code</translation>
    </message>
    <message>
        <source>ui.waiting</source>
        <extracomment>Waiting</extracomment>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>ui.way_camera</source>
        <extracomment>Camera (QR codes)</extracomment>
        <translation>Camera (QR codes)</translation>
    </message>
    <message>
        <source>ui.way_ehealth</source>
        <extracomment>E-health code</extracomment>
        <translation>E-health code</translation>
    </message>
    <message>
        <source>ui.way_idcard</source>
        <extracomment>ID card</extracomment>
        <translation>ID card</translation>
    </message>
    <message>
        <source>ui.way_slip</source>
        <extracomment>Exam slip</extracomment>
        <translation>Exam slip</translation>
    </message>
    <message>
        <source>voice.done</source>
        <extracomment>Printing is done. Please take your report and films, and your ID card.</extracomment>
        <translation>Printing is done. Please take your report and films, and your ID card.</translation>
    </message>
    <message>
        <source>voice.error</source>
        <extracomment>Sorry, this did not work. Please read the screen, or ask at the desk.</extracomment>
        <translation>Sorry, this did not work. Please read the screen, or ask at the desk.</translation>
    </message>
    <message>
        <source>voice.exams</source>
        <extracomment>Please check these are your exams, then press Print.</extracomment>
        <translation>Please check these are your exams, then press Print.</translation>
    </message>
    <message>
        <source>voice.finding</source>
        <extracomment>Finding your exams. Please wait.</extracomment>
        <translation>Finding your exams. Please wait.</translation>
    </message>
    <message>
        <source>voice.home</source>
        <extracomment>Hello. Please scan your exam slip or e-health code, or place your ID card on the reader.</extracomment>
        <translation>Hello. Please scan your exam slip or e-health code, or place your ID card on the reader.</translation>
    </message>
    <message>
        <source>voice.keypad</source>
        <extracomment>Please type the number on your exam slip, then press Find.</extracomment>
        <translation>Please type the number on your exam slip, then press Find.</translation>
    </message>
    <message>
        <source>voice.printing</source>
        <extracomment>Printing. Please wait.</extracomment>
        <translation>Printing. Please wait.</translation>
    </message>
</context>
</TS>
