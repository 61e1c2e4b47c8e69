"""The message catalogue: every sentence a patient, nurse or installer may see, per locale.

Services raise errors carrying a message id; the screen and the command line look the text up
here. Ids are stable (staff quote them to support), so never reuse one for another meaning.

The screens read it through Qt translation files made from it (``assets/i18n``): after changing
a sentence or adding an id, run ``python -m kiosk_app.ui.translations --update``.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_LOCALE = "zh_CN"

_CATALOGUE: dict[str, dict[str, str]] = {
    "code.unknown": {
        "zh_CN": "无法识别这个号码。请核对检查单上的条码，或到服务台咨询。",
        "en": "This code is not recognised. Please check the barcode on your exam slip, "
        "or ask at the desk.",
    },
    "code.bad_id_number": {
        "zh_CN": "身份证号码校验不正确，请重新放置身份证或到服务台咨询。",
        "en": "This ID number does not pass its check digit. Please place the card again "
        "or ask at the desk.",
    },
    "code.unknown_card": {
        "zh_CN": "无法识别这张卡，请扫描检查单条码或到服务台咨询。",
        "en": "This card is not recognised here. Please scan your exam slip or ask at the desk.",
    },
    "code.bad_token": {
        "zh_CN": "这个二维码无效，请到服务台咨询。",
        "en": "This QR code is not valid. Please ask at the desk.",
    },
    "code.token_expired": {
        "zh_CN": "这个二维码已过期，请重新获取后再扫描。",
        "en": "This QR code has expired. Please get a new one and scan it again.",
    },
    "code.token_used": {
        "zh_CN": "这个二维码已经使用过，请重新获取或到服务台咨询。",
        "en": "This QR code has already been used. Please get a new one or ask at the desk.",
    },
    "code.not_supported": {
        "zh_CN": "本机暂不支持这种卡或二维码，请扫描检查单条码或到服务台咨询。",
        "en": "This kind of card or code cannot be used at this kiosk ({kind}). "
        "Please scan your exam slip or ask at the desk.",
    },
    "identity.not_registered": {
        "zh_CN": "没有找到您在本院的登记信息，请到服务台咨询。",
        "en": "No registration at this hospital was found for this card or code. "
        "Please ask at the desk.",
    },
    "identity.lookup_failed": {
        "zh_CN": "暂时无法核对您的身份信息，请稍后再试或到服务台咨询。",
        "en": "The identity service at {service} could not be asked ({detail}). "
        "Please try again later or ask at the desk.",
    },
    "idcard.place_again": {
        "zh_CN": "没有读到身份证，请将身份证重新平放在读卡区。",
        "en": "The ID card could not be read. Please place it flat on the reader again.",
    },
    "idcard.reader_failed": {
        "zh_CN": "身份证读卡器暂时不可用，请扫描检查单条码或到服务台咨询。",
        "en": "The ID card reader is not working ({detail}). "
        "Please scan your exam slip or ask at the desk.",
    },
    "exam.none_found": {
        "zh_CN": "没有找到与这个号码对应的检查。请到服务台咨询。",
        "en": "No exams were found for this code. Please ask at the desk.",
    },
    "cloud.unreachable": {
        "zh_CN": "暂时无法连接影像云，请稍后再试或到服务台咨询。",
        "en": "The imaging cloud at {cloud} cannot be reached ({detail}). "
        "Please try again later or ask at the desk.",
    },
    "cloud.error": {
        "zh_CN": "影像云返回了错误，请到服务台咨询。",
        "en": "The imaging cloud at {cloud} answered with an error ({detail}).",
    },
    "cloud.bad_data": {
        "zh_CN": "检查资料不完整，无法打印。请到服务台咨询。",
        "en": "An exam's data could not be read ({detail}).",
    },
    "cloud.unauthorized": {
        "zh_CN": "影像云拒绝了本机的登录信息，请到服务台咨询。",
        "en": "The imaging cloud at {cloud} refused the kiosk's credentials ({detail}).",
    },
    "cloud.forbidden": {
        "zh_CN": "本机无权读取这项检查，请到服务台咨询。",
        "en": "The imaging cloud at {cloud} does not allow the kiosk to read this ({detail}).",
    },
    "cloud.not_found": {
        "zh_CN": "影像云中找不到这项检查的资料，请到服务台咨询。",
        "en": "The imaging cloud at {cloud} does not have what was asked for ({detail}).",
    },
    "cloud.server_error": {
        "zh_CN": "影像云暂时出现故障，请稍后再试或到服务台咨询。",
        "en": "The imaging cloud at {cloud} is failing ({detail}). "
        "Please try again later or ask at the desk.",
    },
    "cloud.timeout": {
        "zh_CN": "影像云响应超时，请稍后再试或到服务台咨询。",
        "en": "The imaging cloud at {cloud} did not answer in time ({detail}). "
        "Please try again later or ask at the desk.",
    },
    "cloud.bad_multipart": {
        "zh_CN": "从影像云收到的资料不完整，请稍后再试或到服务台咨询。",
        "en": "The imaging cloud's answer was incomplete or malformed ({detail}).",
    },
    "cloud.offline_not_cached": {
        "zh_CN": "影像云暂时无法连接，本机也没有这项检查的离线资料。请稍后再试或到服务台咨询。",
        "en": "The imaging cloud at {cloud} cannot be reached ({detail}) and this exam is "
        "not in the kiosk's offline cache. Please try again later or ask at the desk.",
    },
    "item.already_printed": {
        "zh_CN": "已打印。如需补打，请到服务台。",
        "en": "Already printed on {when}; ask the staff for a reprint.",
    },
    "item.report_not_final": {
        "zh_CN": "报告尚未完成。",
        "en": "The report is not final yet.",
    },
    "item.report_expected": {
        "zh_CN": "报告尚未完成，预计 {time} 可取。",
        "en": "The report is not final yet; expected at {time}.",
    },
    "item.no_report": {
        "zh_CN": "这项检查还没有报告。",
        "en": "This exam has no report yet.",
    },
    "item.report_unsupported": {
        "zh_CN": "这份报告需要到服务台打印。",
        "en": "This report's format ({sop_class}) cannot be printed here yet; "
        "the desk can print it.",
    },
    "item.in_progress": {
        "zh_CN": "正在打印，或正在等待工作人员处理。",
        "en": "A print of this item is in progress or waits for the staff ({state}).",
    },
    "item.printing_elsewhere": {
        "zh_CN": "这项资料正在另一台自助机上打印，请到那台自助机取件或到服务台咨询。",
        "en": "This is being printed at another kiosk ({kiosk}) right now; collect it there "
        "or ask at the desk.",
    },
    "item.printed_elsewhere": {
        "zh_CN": "已在另一台自助机上打印过。如需补打，请到服务台。",
        "en": "Already printed at another kiosk ({kiosk}) on {when}; ask the staff for a reprint.",
    },
    "item.waits_for_staff": {
        "zh_CN": "这项资料的打印情况需要工作人员确认，请到服务台。",
        "en": "Whether this printed ({kiosk}) must be checked by the staff first; please ask "
        "at the desk.",
    },
    "fleet.offline": {
        "zh_CN": "自助机暂时无法核对打印记录，现在不能打印这项资料。请稍后再试或到服务台咨询。",
        "en": "The kiosk cannot check the hospital's shared print record right now ({detail}), "
        "so it cannot print this. Please try again later or ask at the desk.",
    },
    "item.not_recent": {
        "zh_CN": "这是 {days} 天以前的检查，需要时请在自助机屏幕上勾选打印。",
        "en": "This exam is more than {days} days old; it prints only when chosen on the "
        "kiosk screen.",
    },
    "item.printer_offline": {
        "zh_CN": "打印机暂时没有连接，现在不能打印。请到服务台咨询。",
        "en": "The printer is not connected at the moment, so this cannot print now. "
        "Please ask at the desk.",
    },
    "item.printer_out_of_film": {
        "zh_CN": "胶片打印机正在等待装入胶片，现在不能打印。请到服务台咨询。",
        "en": "The film printer is waiting for film to be loaded, so this cannot print now. "
        "Please ask at the desk.",
    },
    "item.printer_out_of_paper": {
        "zh_CN": "打印机正在等待装纸，现在不能打印。请到服务台咨询。",
        "en": "The printer is waiting for paper to be loaded, so this cannot print now. "
        "Please ask at the desk.",
    },
    "item.printer_fault": {
        "zh_CN": "打印机暂时出现故障，现在不能打印。请到服务台咨询。",
        "en": "The printer has a fault at the moment, so this cannot print now. "
        "Please ask at the desk.",
    },
    "item.no_images": {
        "zh_CN": "这项检查没有可打印的胶片。",
        "en": "This exam has no images to print on film.",
    },
    "printer.failed": {
        "zh_CN": "打印机出现问题，资料没有丢失，工作人员会为您处理。",
        "en": "The printer {printer} reported a problem ({detail}); nothing was lost.",
    },
    "printer.timeout": {
        "zh_CN": "打印机长时间没有完成，资料没有丢失，请联系工作人员。",
        "en": "The printer {printer} did not finish within {seconds} s ({detail}); "
        "the job waits for the staff.",
    },
    "printer.unavailable": {
        "zh_CN": "打印机暂时不可用，请联系工作人员。",
        "en": "The printer {printer} is not available ({detail}).",
    },
    "storage.full": {
        "zh_CN": "自助机存储空间已满，暂时无法打印，资料没有丢失。请联系工作人员。",
        "en": "The kiosk's storage is full, so it cannot print just now; nothing was lost. "
        "Please ask the staff.",
    },
    "film.not_enough": {
        "zh_CN": "胶片不足，暂时无法打印您的胶片。请联系工作人员装入胶片后再打印。",
        "en": "Not enough {size} film is loaded for {needed} sheet(s) ({remaining} left). "
        "Please ask the staff to load film, then print again.",
    },
    "film.size_unsupported": {
        "zh_CN": "胶片打印机现在无法按原尺寸打印您的胶片，没有打印任何内容。请联系工作人员。",
        "en": "The film printer {printer} cannot print {size} film at its true size "
        "({media}; it offers: {offered}); nothing was printed. Please ask the staff.",
    },
    "film.compose_failed": {
        "zh_CN": "胶片无法生成，请联系工作人员。",
        "en": "The film could not be composed ({detail}).",
    },
    "feature.not_available": {
        "zh_CN": "此功能尚未提供。",
        "en": "'{feature}' is not available yet in this version.",
    },
    "ui.instruction": {
        "zh_CN": "请扫描检查单条码、电子健康卡，或将身份证放在读卡区",
        "en": "Scan your exam slip or e-health code, or place your ID card on the reader",
    },
    "ui.type_code": {"zh_CN": "输入号码", "en": "Type the code"},
    "ui.print": {"zh_CN": "打印", "en": "Print"},
    "ui.searching": {"zh_CN": "正在查找您的检查…", "en": "Finding your exams…"},
    "ui.done_both": {
        "zh_CN": "打印完成，请取走您的报告和胶片。",
        "en": "Printing is done. Please take your report and films.",
    },
    "ui.done_report": {
        "zh_CN": "打印完成，请取走您的报告。",
        "en": "Printing is done. Please take your report.",
    },
    "ui.done_film": {
        "zh_CN": "打印完成，请取走您的胶片。",
        "en": "Printing is done. Please take your films.",
    },
    "ui.not_printed": {
        "zh_CN": "没有打印出来。您的资料没有丢失。",
        "en": "Nothing was printed. Nothing is lost.",
    },
    "ui.failed_help": {
        "zh_CN": "没有打印出来的，请到服务台找工作人员，他们会为您打印。",
        "en": "For what did not print, please go to the desk: the staff will print it for you.",
    },
    "ui.collect_report": {
        "zh_CN": "请在下方出纸口取报告。",
        "en": "Take the report from the paper tray below.",
    },
    "ui.collect_film": {
        "zh_CN": "请在右侧胶片出口取胶片。",
        "en": "Take the films from the film tray on the right.",
    },
    "ui.nothing_new": {
        "zh_CN": "没有需要打印的新资料。",
        "en": "There is nothing new to print.",
    },
    "ui.demo_codes": {"zh_CN": "演示号码：", "en": "Demo codes: "},
    "ui.staff_help": {
        "zh_CN": "如需帮助，请到服务台。",
        "en": "If you need help, please ask at the desk.",
    },
    "ui.way_slip": {"zh_CN": "检查单条码", "en": "Exam slip"},
    "ui.way_ehealth": {"zh_CN": "电子健康卡", "en": "E-health code"},
    "ui.way_idcard": {"zh_CN": "身份证", "en": "ID card"},
    "ui.language": {"zh_CN": "English", "en": "中文"},
    "ui.contrast": {"zh_CN": "高对比度", "en": "High contrast"},
    "ui.cancel": {"zh_CN": "取消", "en": "Cancel"},
    "ui.back": {"zh_CN": "返回", "en": "Back"},
    "ui.find": {"zh_CN": "查找", "en": "Find"},
    "ui.delete": {"zh_CN": "删除", "en": "Delete"},
    "ui.step_scan": {"zh_CN": "扫码", "en": "Scan"},
    "ui.step_confirm": {"zh_CN": "确认", "en": "Confirm"},
    "ui.step_print": {"zh_CN": "打印", "en": "Print"},
    "ui.step_collect": {"zh_CN": "取件", "en": "Collect"},
    "ui.a11y_code": {"zh_CN": "检查单条码或卡号", "en": "Exam slip code or card number"},
    "ui.a11y_item": {"zh_CN": "{kind} - {exam}", "en": "{kind} - {exam}"},
    "ui.a11y_preset": {"zh_CN": "{what}：{value}", "en": "{what}: {value}"},
    "ui.keypad_title": {
        "zh_CN": "请输入检查单上的号码",
        "en": "Type the number on your exam slip",
    },
    "ui.slow": {
        "zh_CN": "网络较慢，仍在为您查找，请稍候。",
        "en": "The network is slow; still trying. Please wait.",
    },
    "ui.exams_title": {
        "zh_CN": "请确认以下是您的检查",
        "en": "Please check these are your exams",
    },
    "ui.patient_line": {
        "zh_CN": "{name}　证件尾号 {last4}",
        "en": "{name}   ID ending {last4}",
    },
    "ui.item_ready": {"zh_CN": "可打印", "en": "Ready to print"},
    # A person's older exams: listed unticked behind a button (services/offer.py).
    "ui.more_exams": {"zh_CN": "更早的检查（{count} 项）", "en": "Earlier exams ({count})"},
    "ui.older_exams": {
        "zh_CN": "更早的检查：需要时请勾选",
        "en": "Earlier exams: tick what you need",
    },
    "ui.no_recent_exams": {
        "zh_CN": "最近 {days} 天没有您的检查。",
        "en": "You have no exams from the last {days} days.",
    },
    "ui.nothing_to_print": {
        "zh_CN": "现在没有可以打印的资料",
        "en": "Nothing can be printed now",
    },
    # The print button: what will come out. Chinese has no plural; English picks ``<id>.one``
    # for one thing. Films counted in sheets when the plan is known, else in sets (one per exam).
    "ui.print_what": {"zh_CN": "打印 {what}", "en": "Print {what}"},
    "ui.print_both": {"zh_CN": "打印 {reports}和 {films}", "en": "Print {reports} and {films}"},
    "ui.reports_pages": {"zh_CN": "{reports}（{pages}）", "en": "{reports} ({pages})"},
    "ui.n_reports": {"zh_CN": "{count} 份报告", "en": "{count} reports"},
    "ui.n_reports.one": {"zh_CN": "{count} 份报告", "en": "{count} report"},
    "ui.n_pages": {"zh_CN": "{count} 页", "en": "{count} pages"},
    "ui.n_pages.one": {"zh_CN": "{count} 页", "en": "{count} page"},
    "ui.n_films": {"zh_CN": "{count} 张胶片", "en": "{count} films"},
    "ui.n_films.one": {"zh_CN": "{count} 张胶片", "en": "{count} film"},
    "ui.n_film_sets": {"zh_CN": "{count} 组胶片", "en": "{count} film sets"},
    "ui.n_film_sets.one": {"zh_CN": "{count} 组胶片", "en": "{count} film set"},
    "ui.printing": {"zh_CN": "正在打印，请稍候", "en": "Printing, please wait"},
    "ui.time_left": {"zh_CN": "预计还需 {seconds} 秒", "en": "About {seconds} s left"},
    "ui.waiting": {"zh_CN": "等待中", "en": "Waiting"},
    "ui.collect": {
        "zh_CN": "请在下方出纸口取报告，在右侧胶片出口取胶片。",
        "en": "Take the report from the paper tray below and the films from the film tray "
        "on the right.",
    },
    "ui.paused_help": {
        "zh_CN": "您可以在这里等候；也可以先离开，打印机修好后剩余的部分会打印出来，"
        "请到服务台领取。",
        "en": "You may wait here, or leave: once the printer is fixed the rest will print; "
        "collect it at the desk.",
    },
    "ui.leave_paused": {"zh_CN": "先离开，到服务台领取", "en": "Leave; collect at the desk"},
    "ui.printer_stopped": {
        "zh_CN": "打印机暂停了。您的资料没有丢失，请联系服务台的工作人员。",
        "en": "The printer has stopped. Nothing is lost; please call the staff at the desk.",
    },
    "ui.take_card": {
        "zh_CN": "请带好您的身份证和检查单。",
        "en": "Please take your ID card and exam slip with you.",
    },
    "ui.error_title": {"zh_CN": "很抱歉，没能完成", "en": "Sorry, this did not work"},
    "ui.idle_title": {
        "zh_CN": "您还在吗？{seconds} 秒后回到首页",
        "en": "Are you still there? Back to the start in {seconds} s",
    },
    "ui.more_time": {"zh_CN": "我还需要时间", "en": "More time"},
    "ui.home": {"zh_CN": "回到首页", "en": "Back to the start"},
    "ui.way_camera": {"zh_CN": "摄像头扫码区", "en": "Camera (QR codes)"},
    "ui.camera_hold": {"zh_CN": "请将二维码对准框内", "en": "Hold the code here"},
    "ui.camera_starting": {"zh_CN": "正在打开摄像头…", "en": "Starting the camera…"},
    "ui.camera_unavailable": {
        "zh_CN": "摄像头暂时无法使用，请点“输入号码”。",
        "en": "The camera is not working just now. Please tap “Type the code”.",
    },
    "mnt.title": {"zh_CN": "维护模式", "en": "Maintenance"},
    "mnt.login": {"zh_CN": "请输入工号和维护密码", "en": "Enter your staff id and PIN"},
    "mnt.staff_id": {"zh_CN": "工号", "en": "Staff id"},
    "mnt.pin": {"zh_CN": "密码", "en": "PIN"},
    "mnt.enter": {"zh_CN": "进入", "en": "Enter"},
    "mnt.wrong_pin": {
        "zh_CN": "密码错误，还可尝试 {left} 次。",
        "en": "Wrong PIN; {left} tries left.",
    },
    "mnt.locked": {
        "zh_CN": "尝试次数过多，已锁定，请 {seconds} 秒后再试。",
        "en": "Too many wrong PINs: locked for {seconds} s.",
    },
    "mnt.closed": {
        "zh_CN": "本机未设置维护密码，请联系管理员。",
        "en": "No maintenance PIN is set on this kiosk (ui.staff_pin_hash).",
    },
    "mnt.wrong_card": {
        "zh_CN": "这张卡不是维护卡，还可尝试 {left} 次。",
        "en": "This is not a staff card; {left} tries left.",
    },
    "mnt.level.ok": {"zh_CN": "正常", "en": "OK"},
    "mnt.level.warn": {"zh_CN": "注意", "en": "Attention"},
    "mnt.level.fault": {"zh_CN": "故障", "en": "Fault"},
    "mnt.level.unknown": {"zh_CN": "未知", "en": "Unknown"},
    "mnt.device.report": {"zh_CN": "报告打印机", "en": "Report printer"},
    "mnt.device.film": {"zh_CN": "胶片打印机", "en": "Film printer"},
    "mnt.device.cloud": {"zh_CN": "影像云", "en": "Imaging cloud"},
    "mnt.jam_steps": {
        "zh_CN": "1. 打开 {printer} 的前盖\n2. 轻轻取出卡住的胶片或纸张\n"
        "3. 合上前盖，确认指示灯正常",
        "en": "1. Open the front cover of {printer}\n2. Gently remove the stuck film or paper\n"
        "3. Close the cover and check the light is steady",
    },
    "mnt.jam_model_steps": {
        "zh_CN": "{printer}（{model}）卡住时，请按以下步骤处理：",
        "en": "To clear a jam on {printer} ({model}):",
    },
    "mnt.jam_own_steps": {
        "zh_CN": "{printer} 卡住时，请按以下步骤处理：",
        "en": "To clear a jam on {printer}:",
    },
    "mnt.jam_picture": {"zh_CN": "第 {step} 步的图示", "en": "Picture of step {step}"},
    "mnt.media_steps": {
        "zh_CN": "1. 打开 {printer} 的纸盒或胶片盒\n2. 装入新的胶片或纸张\n"
        "3. 合上并在下方记录装入数量",
        "en": "1. Open the tray of {printer}\n2. Load new film or paper\n"
        "3. Close it and record the count below",
    },
    "mnt.cleared": {"zh_CN": "我已处理好，继续打印", "en": "I have cleared it: resume"},
    "mnt.cancel_job": {"zh_CN": "取消作业", "en": "Cancel job"},
    "mnt.confirm_printed": {"zh_CN": "已打印出来", "en": "It did print"},
    "mnt.no_jobs": {"zh_CN": "没有等待处理的作业", "en": "No jobs are waiting"},
    "mnt.fleet_line": {
        "zh_CN": "{kiosk} · {kind} · {since} 起不明：请查看那台自助机的出纸口",
        "en": "{kiosk} · {kind} · unknown since {since}: look in that kiosk's tray",
    },
    "mnt.fleet_printed": {"zh_CN": "在那台机器上已打印", "en": "It printed there"},
    "mnt.fleet_not_printed": {"zh_CN": "那台机器上没有", "en": "Not in its tray"},
    "mnt.fleet_unreachable": {
        "zh_CN": "无法读取全院共享打印记录：{detail}",
        "en": "The fleet's shared print record cannot be read: {detail}",
    },
    "mnt.job_line": {
        "zh_CN": "作业 {job} · {kind} · {printer} · {state} · 已确认 {confirmed}/{units}",
        "en": "Job {job} · {kind} · {printer} · {state} · confirmed {confirmed}/{units}",
    },
    "mnt.resumed": {
        "zh_CN": "作业 {job} 已继续：打印机已恢复出片，已确认 {confirmed}/{units}",
        "en": "Job {job} resumed: the printer prints again, {confirmed}/{units} confirmed",
    },
    "mnt.resuming": {
        "zh_CN": "正在重新发送作业 {job}，请稍候…",
        "en": "Sending job {job} again, please wait…",
    },
    "mnt.resumed_still_stopped": {
        "zh_CN": "作业 {job} 已重新发送，但打印机仍报告：{condition} 请再检查打印机。",
        "en": "Job {job} was sent again, but the printer still reports: {condition} "
        "Please check the printer again.",
    },
    "mnt.resumed_waiting": {
        "zh_CN": "作业 {job} 已重新发送，正在等待打印机出片（已确认 {confirmed}/{units}）",
        "en": "Job {job} was sent again; waiting for the printer to print "
        "({confirmed}/{units} confirmed)",
    },
    "mnt.job_attention": {
        "zh_CN": "这个作业在等您处理。",
        "en": "This job is waiting for you.",
    },
    "mnt.action_failed": {
        "zh_CN": "操作没有完成，请再试一次；如仍不行，请联系信息科。",
        "en": "That did not work. Please try again; if it still fails, call IT support.",
    },
    "mnt.bad_count": {
        "zh_CN": "这个数量不对：请填 0 到 10000 之间的张数。",
        "en": "That count is not right: enter 0 to 10,000 sheets.",
    },
    "mnt.no_size": {"zh_CN": "请选择装入的尺寸。", "en": "Choose the size you loaded."},
    "mnt.no_reason": {
        "zh_CN": "补打需要填写原因（至少 3 个字）。",
        "en": "A reprint needs a reason (3 characters or more).",
    },
    "mnt.never_delivered": {
        "zh_CN": "这一项从未打印过，不需要补打，患者可直接打印。",
        "en": "This item was never printed: no reprint is needed, the patient can print it.",
    },
    "mnt.bad_staff_id": {
        "zh_CN": "工号不正确：2 到 32 位字母或数字。",
        "en": "That staff id is not valid: 2 to 32 letters or digits.",
    },
    "mnt.fleet_error": {
        "zh_CN": "暂时无法连接全院共享打印记录",
        "en": "The fleet's shared print record cannot be reached just now",
    },
    "mnt.cloud_unreachable": {
        "zh_CN": "无法连接影像云",
        "en": "The imaging cloud cannot be reached",
    },
    "mnt.job_state.queued": {"zh_CN": "排队中", "en": "Queued"},
    "mnt.job_state.submitted": {"zh_CN": "已发送", "en": "Sent"},
    "mnt.job_state.paused": {"zh_CN": "已暂停", "en": "Stopped"},
    "mnt.job_state.completed": {"zh_CN": "已完成", "en": "Completed"},
    "mnt.job_state.failed": {"zh_CN": "失败", "en": "Failed"},
    "mnt.job_state.canceled": {"zh_CN": "已取消", "en": "Canceled"},
    "mnt.job_state.unknown": {
        "zh_CN": "结果不明，请查看出片口",
        "en": "Outcome unknown: look in the tray",
    },
    "mnt.actor_kiosk": {"zh_CN": "自助机", "en": "Kiosk"},
    "mnt.audit.other": {"zh_CN": "其他操作", "en": "Other action"},
    "mnt.audit.maintenance.entered": {"zh_CN": "进入维护", "en": "Entered maintenance"},
    "mnt.audit.maintenance.exited": {"zh_CN": "离开维护", "en": "Left maintenance"},
    "mnt.audit.maintenance.quit": {"zh_CN": "关闭程序", "en": "Quit the kiosk"},
    "mnt.audit.maintenance.pin_failed": {"zh_CN": "密码错误", "en": "Wrong PIN"},
    "mnt.audit.maintenance.test_print": {"zh_CN": "测试打印", "en": "Test print"},
    "mnt.audit.job.paused": {"zh_CN": "作业暂停", "en": "Job stopped"},
    "mnt.audit.job.held": {"zh_CN": "作业等待处理", "en": "Job waiting for a nurse"},
    "mnt.audit.job.resumed": {"zh_CN": "作业继续", "en": "Job resumed"},
    "mnt.audit.job.canceled": {"zh_CN": "作业取消", "en": "Job canceled"},
    "mnt.audit.supply.loaded": {"zh_CN": "记录装入", "en": "Supplies loaded"},
    "mnt.audit.reprint.authorised": {"zh_CN": "授权补打", "en": "Reprint authorised"},
    "mnt.audit.fleet.settled": {
        "zh_CN": "确认其他自助机的作业",
        "en": "Other kiosk's item settled",
    },
    "mnt.media.inch": {"zh_CN": "{w}x{h} 英寸", "en": "{w} x {h} in"},
    "mnt.media.cm": {"zh_CN": "{w}x{h} 厘米", "en": "{w} x {h} cm"},
    "mnt.media.mm": {"zh_CN": "{w}x{h} 毫米", "en": "{w} x {h} mm"},
    "mnt.load": {"zh_CN": "记录装入", "en": "Record loaded"},
    "mnt.size": {"zh_CN": "尺寸", "en": "Size"},
    "mnt.count": {"zh_CN": "数量", "en": "Count"},
    "mnt.reprint": {"zh_CN": "授权补打", "en": "Authorise reprint"},
    "mnt.code": {"zh_CN": "患者号码", "en": "Patient code"},
    "mnt.reason": {"zh_CN": "原因", "en": "Reason"},
    "mnt.reason_smudged": {"zh_CN": "胶片污损", "en": "Smudged"},
    "mnt.reason_unclear": {"zh_CN": "打印不清", "en": "Unclear"},
    "mnt.reason_lost": {"zh_CN": "患者遗失", "en": "Lost"},
    "mnt.recent": {"zh_CN": "最近记录", "en": "Recent events"},
    "mnt.exit": {"zh_CN": "返回患者模式", "en": "Back to patient mode"},
    "mnt.done": {"zh_CN": "已完成", "en": "Done"},
    "mnt.refresh": {"zh_CN": "刷新", "en": "Refresh"},
    "mnt.devices": {"zh_CN": "设备", "en": "Devices"},
    "mnt.steps": {"zh_CN": "处理步骤", "en": "What to do"},
    "mnt.quit": {"zh_CN": "关闭程序", "en": "Quit the kiosk"},
    "mnt.quit_confirm": {"zh_CN": "再按一次关闭", "en": "Tap again to quit"},
    "mnt.quit_explain": {
        "zh_CN": "关闭后程序会自动重新启动。不关闭请稍等，5 秒后取消。",
        "en": "The kiosk starts again by itself after quitting. Wait 5 seconds to cancel.",
    },
    "mnt.test_print": {"zh_CN": "测试打印", "en": "Test print"},
    "mnt.test_sent": {
        "zh_CN": "测试打印已发送到 {printer}（作业 {job}）",
        "en": "Test print sent to {printer} (job {job})",
    },
    "device.media-jam": {
        "zh_CN": "纸张或胶片卡住了：请打开打印机取出。",
        "en": "Paper or film is jammed: open the printer and clear it.",
    },
    "device.media-empty": {
        "zh_CN": "纸张或胶片用完：请装入新的一盒。",
        "en": "Out of paper or film: load a new box.",
    },
    "device.media-needed": {
        "zh_CN": "需要装入另一种尺寸的纸张或胶片。",
        "en": "The printer needs a different paper or film size loaded.",
    },
    "device.media-low": {
        "zh_CN": "纸张或胶片快用完了：请准备新的一盒。",
        "en": "Paper or film is running low: have a new box ready.",
    },
    "device.door-open": {
        "zh_CN": "有舱门或前盖开着：请合上。",
        "en": "A door or cover is open: close it.",
    },
    "device.output-area-full": {
        "zh_CN": "出片口已满：请取走。",
        "en": "The output tray is full: empty it.",
    },
    "device.output-area-almost-full": {
        "zh_CN": "出片口快满了。",
        "en": "The output tray is almost full.",
    },
    "device.toner-low": {
        "zh_CN": "墨粉不足：请订购墨盒。",
        "en": "Toner is low: order a cartridge.",
    },
    "device.toner-empty": {
        "zh_CN": "墨粉用完：请更换墨盒。",
        "en": "Toner is empty: replace the cartridge.",
    },
    "device.marker-supply-low": {
        "zh_CN": "耗材（墨粉、墨水、药液）不足。",
        "en": "A supply (toner, ink, chemicals) is low.",
    },
    "device.marker-supply-empty": {
        "zh_CN": "耗材（墨粉、墨水、药液）用完。",
        "en": "A supply (toner, ink, chemicals) is empty.",
    },
    "device.marker-waste-full": {
        "zh_CN": "废料盒已满：请更换。",
        "en": "The waste container is full: replace it.",
    },
    "device.offline": {
        "zh_CN": "打印机离线：请检查电源和连线。",
        "en": "The printer is offline: check its power and cable.",
    },
    "device.queue-stopped": {
        "zh_CN": "打印机出错后已停止打印，处理好后按“继续打印”。",
        "en": "The printer stopped after an error; once it is sorted, tap resume.",
    },
    "device.warming-up": {
        "zh_CN": "打印机正在预热或校准。",
        "en": "The printer is warming up or calibrating.",
    },
    "device.printer-error": {
        "zh_CN": "打印机报告故障：请查看打印机面板。",
        "en": "The printer reports a fault: see its panel.",
    },
    "device.other": {
        "zh_CN": "打印机报告了一个情况：请查看打印机面板。",
        "en": "The printer reports a condition: see its panel.",
    },
    "state.delivered": {"zh_CN": "已打印", "en": "Printed"},
    "state.skipped": {"zh_CN": "未打印", "en": "Not printed"},
    "state.failed": {"zh_CN": "打印失败", "en": "Failed"},
    "kind.report": {"zh_CN": "报告", "en": "Report"},
    "kind.film": {"zh_CN": "胶片", "en": "Film"},
    # Spoken prompts, one per patient screen ([voice]); assets/voice/build_prompts.py turns
    # them into assets/voice/<locale>/<screen>.wav. Said as a person at the desk would say it.
    "voice.home": {
        "zh_CN": "您好！请扫描检查单条码或电子健康卡，或者把身份证放在读卡区。",
        "en": "Hello. Please scan your exam slip or e-health code, "
        "or place your ID card on the reader.",
    },
    "voice.keypad": {
        "zh_CN": "请输入检查单上的号码，然后按查找。",
        "en": "Please type the number on your exam slip, then press Find.",
    },
    "voice.finding": {
        "zh_CN": "正在查找您的检查，请稍候。",
        "en": "Finding your exams. Please wait.",
    },
    "voice.exams": {
        "zh_CN": "请确认这些是您的检查，然后按打印。",
        "en": "Please check these are your exams, then press Print.",
    },
    "voice.printing": {
        "zh_CN": "正在打印，请稍候。",
        "en": "Printing. Please wait.",
    },
    "voice.done": {
        "zh_CN": "打印完成。请取走您的报告和胶片，带好身份证和检查单。",
        "en": "Printing is done. Please take your report and films, and your ID card.",
    },
    "voice.error": {
        "zh_CN": "很抱歉，没能完成。请看屏幕上的说明，或到服务台咨询。",
        "en": "Sorry, this did not work. Please read the screen, or ask at the desk.",
    },
}


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def text(message_id: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
    """The sentence for ``message_id`` in ``locale`` (falling back to Chinese, then English).

    Parameters the sentence does not use are ignored, and ones it uses but were not given are
    left blank, so a missing detail never turns into a crash in front of a patient.
    """
    entry = _CATALOGUE.get(message_id)
    if entry is None:
        return message_id
    template = entry.get(locale) or entry.get(locale.split("_")[0]) or entry[DEFAULT_LOCALE]
    return fill(template, **params)


def fill(template: str, **params: object) -> str:
    """``template`` (a catalogue sentence or a translation of one) with ``params`` filled in,
    as :func:`text` does: unused ones ignored, missing ones blank."""
    return template.format_map(_Blank(params))


def message_ids() -> frozenset[str]:
    return frozenset(_CATALOGUE)


def locales_of(message_id: str) -> Mapping[str, str]:
    return dict(_CATALOGUE[message_id])
